"""The JSON side of the type-ahead pickers (``crm.widgets.SearchSelect``).

Each large table has a search endpoint (``contacts:contact-search``,
``opportunities:opportunity-search``, ``segments:segment-search``,
``campaigns:campaign-search``) built on ``PickerSearchView``: login and the model's view
permission, the typed text in ``q``, at most ``PICKER_LIMIT`` rows in a fixed order, answered as
``{"results": [{"value": pk, "text": label, "hint": detail}]}``.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.views import View

PICKER_LIMIT = 20  # rows a picker shows for one fragment; a longer fragment narrows it
PICKER_MAX_TEXT = 100  # longer input is cut (the searched columns hold at most 100 chars)


def picker_text(request) -> str:
    return (request.GET.get("q") or "").strip()[:PICKER_MAX_TEXT]


def picker_int(request, name: str) -> int | None:
    """An optional integer parameter (a pk); anything else counts as absent."""
    value = request.GET.get(name) or ""
    return int(value) if value.isdigit() else None


def numbered_picker_search(queryset: QuerySet, text: str, limit: int = PICKER_LIMIT) -> QuerySet:
    """Rows of a numbered table (opportunities, segments, campaigns) whose number starts with
    ``text`` or whose description contains it, newest first (a bounded primary-key scan)."""
    if text:
        queryset = queryset.filter(Q(number__istartswith=text) | Q(description__icontains=text))
    return queryset.only("id", "number", "description").order_by("-id")[:limit]


class PickerSearchView(PermissionRequiredMixin, View):
    """Subclasses set ``permission_required`` and implement ``search(request)`` (a selector
    call returning at most ``PICKER_LIMIT`` rows) and, when wanted, ``hint(row)``."""

    raise_exception = True

    def search(self, request):  # pragma: no cover - abstract
        raise NotImplementedError

    def hint(self, row) -> str:
        return ""

    def get(self, request, *args, **kwargs):
        rows = self.search(request)
        results = [{"value": row.pk, "text": str(row), "hint": self.hint(row)} for row in rows]
        return JsonResponse({"results": results})
