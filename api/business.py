"""Business-system writes that no area service covers yet (reported in the issue):
shared-field updates for a linked number (CON-57) and an opportunity's order / posted invoice
link (OPP-8)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contacts.links import EMPLOYEE_SHARED_FIELDS, SHARED_FIELDS
from contacts.models import ContactBusinessRelation, MasterSide, PickupStatus
from contacts.services import contact_update
from opportunities.models import Opportunity, SalesDocumentKind
from setup.models import Country, Currency, Language, LinkType, Salesperson, Territory

from .errors import ApiError

CODE_FIELDS = {
    "country": Country,
    "territory": Territory,
    "currency": Currency,
    "language": Language,
    "salesperson": Salesperson,
}


@transaction.atomic
def linked_record_update(*, link_type: str, external_number: str, data: dict) -> dict:
    """CON-57/CON-49: the business system changed a linked record's shared fields.

    While a link is pending with master side ``contact``, the contact's values win: the
    update is not applied (the business system is expected to take the contact's values).
    """
    link = (
        ContactBusinessRelation.objects.select_related("contact")
        .filter(link_type=link_type, external_number=external_number.strip().upper())
        .exclude(link_type=LinkType.NONE)
        .first()
    )
    if link is None:
        raise ApiError(
            _("No link %(type)s %(number)s.") % {"type": link_type, "number": external_number},
            status_code=404,
            code="not_found",
        )
    if link.pickup_status == PickupStatus.PENDING and link.master_side == MasterSide.CONTACT:
        return {
            "applied": False,
            "reason": "contact_is_master",
            "contact_number": link.contact.number,
        }
    allowed = SHARED_FIELDS + (EMPLOYEE_SHARED_FIELDS if link_type == LinkType.EMPLOYEE else ())
    values = {}
    for name, value in data.items():
        if name not in allowed:
            raise ApiError(
                _("%(field)s is not a shared field.") % {"field": name},
                field=name,
                code="not_shared",
            )
        model = CODE_FIELDS.get(name)
        if model is not None:
            if value in (None, ""):
                values[name] = None
                continue
            row = model.objects.filter(code=str(value).upper()).first()
            if row is None:
                raise ApiError(
                    _("Unknown code %(code)s.") % {"code": value},
                    status_code=422,
                    field=name,
                    code="does_not_exist",
                )
            values[name] = row
        else:
            values[name] = "" if value is None else value
    contact = contact_update(contact=link.contact, user=None, data=values)
    if link.pickup_status == PickupStatus.PENDING:
        # master side external: the first update from the business system settles the link
        ContactBusinessRelation.objects.filter(pk=link.pk).update(
            pickup_status=PickupStatus.ACKNOWLEDGED
        )
    return {"applied": True, "contact_number": contact.number}


@transaction.atomic
def opportunity_sales_document_set(*, opportunity: Opportunity, kind: str, number: str) -> None:
    """OPP-8: one sales document per opportunity and one opportunity per document."""
    if kind not in (SalesDocumentKind.ORDER, SalesDocumentKind.POSTED_INVOICE):
        raise ApiError(_("Kind must be order or posted_invoice."), field="kind", code="invalid")
    other = (
        Opportunity.objects.filter(sales_document_kind=kind, sales_document_number=number)
        .exclude(pk=opportunity.pk)
        .first()
    )
    if other is not None:
        raise ApiError(
            _("%(kind)s %(doc)s is already linked to opportunity %(number)s.")
            % {"kind": kind, "doc": number, "number": other.number},
            status_code=409,
            field="number",
            code="document_linked",
        )
    try:
        with transaction.atomic():
            Opportunity.objects.filter(pk=opportunity.pk).update(
                sales_document_kind=kind, sales_document_number=number
            )
    except IntegrityError as exc:
        raise ApiError(
            _("%(kind)s %(doc)s is already linked.") % {"kind": kind, "doc": number},
            status_code=409,
            field="number",
            code="document_linked",
        ) from exc
