"""The contact picker's search (crm.widgets.SearchSelect): the list page's search, bounded."""

from django.db.models import QuerySet

from crm.pickers import PICKER_LIMIT, PickerSearchView, picker_int, picker_text
from setup.models import ContactType

from .models import Contact
from .selectors import contact_search

PICKER_KINDS = {"company": ContactType.COMPANY, "person": ContactType.PERSON}
PICKER_COLUMNS = ["id", "number", "name", "type", "company_name", "city", "search_name"]


def contact_picker_search(
    *, text: str, kind: str = "", company_id: int | None = None, limit: int = PICKER_LIMIT
) -> QuerySet[Contact]:
    """The first ``limit`` contacts matching ``text`` (``contact_search``: name, company name,
    e-mail, phone, city), in list order; ``kind`` keeps companies or persons only,
    ``company_id`` the persons of one company."""
    queryset = Contact.objects.order_by("search_name", "id")
    if kind in PICKER_KINDS:
        queryset = queryset.filter(type=PICKER_KINDS[kind])
    if company_id is not None:
        queryset = queryset.filter(company_id=company_id)
    matches = contact_search(queryset, text)
    if text:
        # Deferred join, as the list's search (NoCountPaginator.deferred_join): the ids come
        # from an index-only scan of contact_search_cover_idx (it carries the searched
        # columns), the rows by primary key.
        matches = queryset.filter(pk__in=matches.values("pk")[:limit])
    return matches.only(*PICKER_COLUMNS)[:limit]


class ContactSearchView(PickerSearchView):
    """``?q=fragment[&kind=company|person][&company=<pk>]``."""

    permission_required = "contacts.view_contact"

    def search(self, request):
        return contact_picker_search(
            text=picker_text(request),
            kind=request.GET.get("kind", ""),
            company_id=picker_int(request, "company"),
        )

    def hint(self, row) -> str:
        parts = [row.company_name if row.type == ContactType.PERSON else "", row.city]
        return " · ".join(p for p in parts if p)
