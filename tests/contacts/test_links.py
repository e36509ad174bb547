import pytest
from django.core.exceptions import ValidationError

from contacts.imports import contact_create_from_business_system
from contacts.links import (
    TemplateChoiceRequired,
    business_link_acknowledge,
    business_link_payload,
    business_links_pending,
    contact_business_relation_add,
    contact_business_relation_delete,
    contact_create_as,
    contact_link_existing,
)
from contacts.models import Contact, ContactBusinessRelation, DeletedContactTombstone
from crm.exceptions import ApplicationError
from setup.models import ContactType, MarketingSetup
from tests.contacts.helpers_links import company, link_setup, person, template
from tests.factories.setup import BusinessRelationFactory, CurrencyFactory, series_with_line

pytestmark = pytest.mark.django_db


def test_c34_create_as_customer_needs_setup_code():
    """C-34: "Create as customer" fails when customer_relation is blank (CON-47)."""
    acme = company()
    with pytest.raises(ApplicationError, match="in Marketing setup"):
        contact_create_as(contact=acme, link_type="customer")
    assert not ContactBusinessRelation.objects.exists()


def test_c35_create_as_customer_on_person_links_company():
    """C-35: "Create as customer" on a person of company K links K (CON-47)."""
    link_setup("customer")
    k = company("K Ltd")
    p = person("Jane Doe", company_contact=k)
    template("CUSTPERS", contact_type=ContactType.PERSON)  # matched by the source's type
    link = contact_create_as(contact=p, link_type="customer")
    assert link.contact_id == k.pk


def test_c36_template_choice_rules():
    """C-36: one template is used silently; several give a pick list; none creates nothing."""
    link_setup("customer")
    a, b, c = company("A"), company("B"), company("C")
    with pytest.raises(ApplicationError, match="template"):
        contact_create_as(contact=a, link_type="customer")
    assert not ContactBusinessRelation.objects.exists()
    only = template("T1")
    assert contact_create_as(contact=a, link_type="customer").template_id == only.pk
    second = template("T2")
    with pytest.raises(TemplateChoiceRequired) as info:
        contact_create_as(contact=b, link_type="customer")
    assert [t.code for t in info.value.templates] == ["T1", "T2"]
    assert not ContactBusinessRelation.objects.filter(contact=b).exists()
    assert contact_create_as(contact=c, link_type="customer", template=second).template == second


def test_c37_create_as_customer_row_and_summary():
    """C-37: setup code, link type customer, number from the customer series, pending, and the
    summary shows customer (CON-47, CON-44)."""
    setup = link_setup("customer")
    template("T1")
    acme = company()
    link = contact_create_as(contact=acme, link_type="customer")
    assert link.business_relation_id == setup.customer_relation_id
    assert (link.link_type, link.external_number, link.pickup_status) == (
        "customer",
        "C0001",
        "pending",
    )
    acme.refresh_from_db()
    assert acme.business_relation_summary == "customer"


def test_c38_second_customer_link_refused():
    """C-38: a second customer link for the same contact is refused (CON-43)."""
    link_setup("customer")
    template("T1")
    acme = company()
    contact_create_as(contact=acme, link_type="customer")
    with pytest.raises(ApplicationError, match="already linked"):
        contact_create_as(contact=acme, link_type="customer")
    with pytest.raises(ApplicationError, match="already linked"):
        contact_link_existing(contact=acme, link_type="customer", external_number="C9")


def test_c39_external_number_linked_once():
    """C-39: customer C0042 linked to A cannot be linked to B (CON-43)."""
    link_setup("customer")
    a, b = company("A"), company("B")
    contact_link_existing(contact=a, link_type="customer", external_number="C0042")
    with pytest.raises(ApplicationError, match=f"already linked to contact {a.number}"):
        contact_link_existing(contact=b, link_type="customer", external_number="c0042")


def test_c40_setup_code_reserved_for_links():
    """C-40: adding the setup customer code as a plain relation is refused (CON-45); a real
    link replaces a plain row of the same code."""
    setup = link_setup("customer")
    acme = company()
    with pytest.raises(ValidationError, match="reserved for links to customer"):
        contact_business_relation_add(contact=acme, business_relation=setup.customer_relation)
    ContactBusinessRelation.objects.create(  # e.g. added before the code became reserved
        contact=acme, business_relation=setup.customer_relation
    )
    contact_link_existing(contact=acme, link_type="customer", external_number="C1")
    assert ContactBusinessRelation.objects.filter(contact=acme).count() == 1


def test_c41_person_vendor_bank_rules():
    """C-41: a person without company cannot be vendor/bank; in company K the link goes to K."""
    link_setup("vendor", "bank_account")
    template("V1", link_type="vendor", contact_type=ContactType.PERSON)
    loner = person("Solo Person")
    for kind in ("vendor", "bank_account"):
        with pytest.raises(ApplicationError, match="without a company"):
            contact_create_as(contact=loner, link_type=kind)
    k = company("K")
    p = person("Jim Beam", company_contact=k)
    assert contact_create_as(contact=p, link_type="vendor").contact_id == k.pk
    assert contact_create_as(contact=p, link_type="bank_account").contact_id == k.pk


def test_c42_employee_only_on_persons():
    """C-42: "Create as employee" works only on persons and links the person (CON-47)."""
    link_setup("employee")
    k = company("K")
    with pytest.raises(ApplicationError, match="Only persons"):
        contact_create_as(contact=k, link_type="employee")
    p = person("Jim Beam", company_contact=k)
    link = contact_create_as(contact=p, link_type="employee")  # no template: optional
    assert link.contact_id == p.pk and link.template is None


def test_c43_business_system_creates_linked_company():
    """C-43: a new customer reported with create_contact creates a linked company (CON-59)."""
    setup = link_setup("customer", series=False)
    setup.contact_series = series_with_line("CONT", "CT000001")
    setup.save()
    contact = contact_create_from_business_system(
        link_type="customer",
        external_number="C0042",
        data={"name": "New Co", "city": "Lyon"},
        create_contact=True,
    )
    assert contact.type == "company" and contact.company_id == contact.pk
    link = ContactBusinessRelation.objects.get(contact=contact)
    assert (link.link_type, link.external_number, link.pickup_status) == (
        "customer",
        "C0042",
        "acknowledged",
    )


def test_c45_summary_none_other_multiple():
    """C-45: none without relations, other with one plain relation, multiple with several."""
    acme = company()
    p = person("Jane Doe", company_contact=acme)
    acme.refresh_from_db()
    assert acme.business_relation_summary == "none"
    contact_business_relation_add(
        contact=acme, business_relation=BusinessRelationFactory(code="PROSPECT")
    )
    acme.refresh_from_db()
    p.refresh_from_db()
    assert acme.business_relation_summary == p.business_relation_summary == "other"
    contact_business_relation_add(
        contact=acme, business_relation=BusinessRelationFactory(code="LAW")
    )
    acme.refresh_from_db()
    assert acme.business_relation_summary == "multiple"


def test_c46_payload_carries_contact_values_and_master_side():
    """C-46 (service part; the PATCH endpoint belongs to the API issue): with master side
    contact the pending-link payload carries the contact's shared values (CON-49)."""
    link_setup("customer")
    acme = company("Acme", phone="555 1")
    link = contact_link_existing(
        contact=acme, link_type="customer", external_number="C7", master_side="contact"
    )
    payload = business_link_payload(link=link)
    assert payload["master_side"] == "contact"
    assert payload["shared_fields"]["phone"] == "555 1"
    assert payload["contact_number"] == acme.number


def test_c48_privacy_blocked_cannot_be_created_as():
    """C-48 (create-as part): a privacy-blocked contact or company cannot be created as or
    linked to a customer/vendor/bank/employee (CON-52)."""
    link_setup("customer", "vendor", "bank_account", "employee")
    template("T1")
    blocked = company("Blocked", is_privacy_blocked=True)
    for kind in ("customer", "vendor", "bank_account"):
        with pytest.raises(ApplicationError, match="blocked due to privacy"):
            contact_create_as(contact=blocked, link_type=kind)
    p = person("In Blocked", company_contact=blocked)
    with pytest.raises(ApplicationError, match="blocked due to privacy"):
        contact_create_as(contact=p, link_type="employee")
    with pytest.raises(ApplicationError, match="blocked due to privacy"):
        contact_link_existing(contact=blocked, link_type="customer", external_number="C1")


def test_c59_number_from_template_series_else_setup_series():
    """C-59: the external number comes from the template's series when set, else from the
    link type's setup series (CON-47)."""
    link_setup("customer")
    template("T1", number_series=series_with_line("TPLSER", "TC9001"))
    template("TP", contact_type=ContactType.PERSON)
    assert contact_create_as(contact=company("A"), link_type="customer").external_number == (
        "TC9001"
    )
    assert contact_create_as(contact=person("Solo P"), link_type="customer").external_number == (
        "C0001"
    )


def test_c60_template_defaults_in_payload_and_currency_filled():
    """C-60: template defaults appear in the pending-link payload; a blank contact currency is
    filled from the template (SET-50)."""
    link_setup("customer")
    eur = CurrencyFactory(code="EUR")
    template("T1", payment_terms_code="30D", currency=eur, extra_defaults=[["vat_group", "EU"]])
    acme = company()
    link = contact_create_as(contact=acme, link_type="customer")
    payload = business_link_payload(link=ContactBusinessRelation.objects.get(pk=link.pk))
    assert payload["template"] == {
        "code": "T1",
        "payment_terms_code": "30D",
        "currency": "EUR",
        "country": "",
        "extra_defaults": [["vat_group", "EU"]],
    }
    acme.refresh_from_db()
    assert acme.currency_id == eur.pk


def test_c61_acknowledged_link_leaves_pending_list():
    """C-61 (service part; the endpoint belongs to the API issue)."""
    link_setup("customer")
    link = contact_link_existing(contact=company(), link_type="customer", external_number="C1")
    assert list(business_links_pending()) == [link]
    business_link_acknowledge(link=link)
    assert list(business_links_pending()) == []


def test_con56_unlink_keeps_contact_and_feeds_deletion():
    """CON-56 / C-29 (link part): removing a link keeps the contact and reports the removal."""
    link_setup("customer")
    acme = company()
    link = contact_link_existing(contact=acme, link_type="customer", external_number="C1")
    contact_business_relation_delete(relation=link)
    assert Contact.objects.filter(pk=acme.pk).exists()
    tomb = DeletedContactTombstone.objects.get()
    assert tomb.link_rows[0]["external_number"] == "C1"
    acme.refresh_from_db()
    assert acme.business_relation_summary == "none"
    assert MarketingSetup.load().customer_relation_id
