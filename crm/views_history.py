"""The field history fragment of a card (``hx-get`` with ``hx-trigger="load"``)."""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import field_change_list

# Models whose card shows a field history: "app_label.model" (lower case).
HISTORY_MODELS = {"contacts.contact", "opportunities.opportunity"}


@require_GET
def field_history(request, app_label: str, model: str, object_id: int):
    label = f"{app_label}.{model}".lower()
    if label not in HISTORY_MODELS:
        raise Http404
    model_class = apps.get_model(app_label, model)
    if not request.user.has_perm(f"{app_label}.view_{model_class._meta.model_name}"):
        raise PermissionDenied
    if not model_class._default_manager.filter(pk=object_id).exists():
        raise Http404
    changes = field_change_list(
        content_type=ContentType.objects.get_for_model(model_class), object_id=object_id
    )
    labels = {}
    for change in changes:
        try:
            name = str(model_class._meta.get_field(change.field).verbose_name)
        except LookupError:
            name = change.field
        labels[change.field] = name[:1].upper() + name[1:]
    rows = [(change, labels[change.field]) for change in changes]
    return render(request, "crm/field_history.html", {"rows": rows})
