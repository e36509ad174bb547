"""htmx helpers of the contact forms: SET-31 post code / city lookup and "+ New" codes (2.4)."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views import View
from django_htmx.http import trigger_client_event

from . import services
from .address_lookup import address_lookup, address_pick
from .forms import LookupCodeForm, address_lookup_container
from .views import add_validation_error

ADDRESS_FILL_EVENT = "address-fill"
CODE_CREATED_EVENT = "code-created"


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AddressLookupView(PermissionRequiredMixin, View):
    """SET-31: ``changed`` (post_code, city, country) and the form's values in; the values to
    fill (``address-fill`` client event) and, when several rows match, a pick list out."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/address_lookup.html"

    def get(self, request):
        prefix = request.GET.get("prefix", "")
        if prefix and not prefix.replace("-", "").replace("_", "").isalnum():
            raise Http404
        pick = _int_or_none(request.GET.get("pick"))
        if pick is not None:
            result = address_pick(pk=pick)
        else:
            result = address_lookup(
                changed=request.GET.get("changed", ""),
                post_code=request.GET.get(f"{prefix}post_code", ""),
                city=request.GET.get(f"{prefix}city", ""),
                country_id=_int_or_none(request.GET.get(f"{prefix}country")),
            )
        response = render(
            request,
            self.template_name,
            {
                "candidates": result.candidates,
                "prefix": prefix,
                "container": address_lookup_container(prefix.rstrip("-")),
            },
        )
        if result.values is not None:
            trigger_client_event(
                response, ADDRESS_FILL_EVENT, {"prefix": prefix, "values": result.values}
            )
        return response


class LookupCodeCreateView(View):
    """ "+ New" next to a code lookup: GET the inline form, POST creates the code and tells the
    page (``code-created`` client event) to add it to the select and select it."""

    template_name = "contacts/lookup_code_form.html"

    def dispatch(self, request, *args, **kwargs):
        model = services.LOOKUP_CODE_MODELS.get(kwargs["field"])
        if model is None:
            raise Http404
        if not request.user.is_authenticated:
            raise PermissionDenied
        if not request.user.has_perm(f"setup.add_{model._meta.model_name}"):
            raise PermissionDenied
        self.model = model
        self.target = request.GET.get("target", "")
        if not self.target.replace("-", "").replace("_", "").isalnum():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "field": self.kwargs["field"],
                "target": self.target,
                "title": self.model._meta.verbose_name,
            },
        )

    def get(self, request, field):
        return self._render(LookupCodeForm())

    def post(self, request, field):
        form = LookupCodeForm(request.POST)
        if not form.is_valid():
            return self._render(form)
        try:
            row = services.contact_lookup_code_create(
                field=field,
                code=form.cleaned_data["new_code"],
                description=form.cleaned_data["new_description"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError(
                    [m for messages in exc.message_dict.values() for m in messages]
                )
            add_validation_error(form, exc)
            return self._render(form)
        response = HttpResponse("")
        return trigger_client_event(
            response,
            CODE_CREATED_EVENT,
            {"target": self.target, "value": row.pk, "label": str(row)},
        )
