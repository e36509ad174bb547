import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from contacts.models import (
    CommentLine,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactIndustryGroup,
    ContactMailingGroup,
    ContactWebSource,
    DeletedContactTombstone,
    SalesHistoryLine,
)
from contacts.references import (
    ContactReference,
    register_contact_reference,
    unregister_contact_reference,
)
from contacts.selectors import (
    contact_active_alt_address,
    contact_salutations,
    contact_statistics,
    web_source_url,
)
from contacts.services import (
    AmbiguousCompanyError,
    contact_alt_address_create,
    contact_alt_address_date_range_create,
    contact_alt_address_delete,
    contact_business_relation_add,
    contact_business_relation_remove,
    contact_change_type,
    contact_comment_add,
    contact_create,
    contact_delete,
    contact_industry_group_add,
    contact_industry_group_remove,
    contact_job_responsibility_add,
    contact_job_responsibility_remove,
    contact_mailing_group_add,
    contact_section_is_writable,
    contact_update,
    contact_web_source_add,
    contact_web_source_remove,
    name_split,
)
from setup.models import NumberSeriesRelationship
from tests.factories.contacts import (
    ContactAltAddressFactory,
    ContactBusinessRelationFactory,
    ContactIndustryGroupFactory,
    ContactJobResponsibilityFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    OrganizationalLevelFactory,
    WebSourceFactory,
)
from tests.factories.setup import (
    BusinessRelationFactory,
    CountryFactory,
    CurrencyFactory,
    LanguageFactory,
    SalespersonFactory,
    SalutationFactory,
    SalutationFormulaFactory,
    TerritoryFactory,
    series_with_line,
)

pytestmark = pytest.mark.django_db


def _company(**data):
    return contact_create(user=None, data={"name": "Acme Ltd", **data})


def _person(**data):
    return contact_create(user=None, data={"type": "person", "name": "John Smith", **data})


# -- numbering ---------------------------------------------------------------------------------


def test_s1_blank_number_takes_next_number(mksetup):
    """S-1: a blank number takes the next number of contact_series; no series → refused."""
    assert _company().number == "CT000001"
    assert _company().number == "CT000002"
    mksetup.update(contact_series=None)
    with pytest.raises(ValidationError, match="must have a value in Marketing setup"):
        _company()


def test_s2_typed_number_needs_manual_numbers(mksetup):
    """S-2: a typed number is refused unless the series allows manual numbers."""
    with pytest.raises(ValidationError, match="does not allow manual numbers"):
        contact_create(user=None, data={"name": "X"}, number="MY-1")
    mksetup.contact_series.manual_numbers = True
    mksetup.contact_series.save()
    contact = contact_create(user=None, data={"name": "X"}, number="MY-1")
    assert contact.number == "MY-1"
    assert contact.number_series is None
    with pytest.raises(ValidationError, match="already exists"):
        contact_create(user=None, data={"name": "Y"}, number="MY-1")


def test_s10_related_series_is_used_and_stored(mksetup):
    """S-10: the number comes from the chosen related series, which is stored."""
    other = series_with_line("ALT", "AL0001")
    NumberSeriesRelationship.objects.create(series=mksetup.contact_series, related=other)
    contact = contact_create(user=None, data={"name": "X"}, number_series=other)
    assert (contact.number, contact.number_series) == ("AL0001", other)


# -- creation defaults -------------------------------------------------------------------------


def test_c1_new_contact_is_its_own_company(mksetup):
    """C-1: a new contact is a company by default, its own company, company name = name."""
    contact = _company()
    contact.refresh_from_db()
    assert contact.type == "company"
    assert contact.company_id == contact.pk
    assert contact.company_name == "Acme Ltd"


def test_c2_setup_defaults_fill_blanks(mksetup):
    """C-2: blank salesperson, territory, country, language, correspondence type get defaults."""
    sp, terr, country, lang = (
        SalespersonFactory(),
        TerritoryFactory(),
        CountryFactory(),
        LanguageFactory(),
    )
    mksetup.update(
        default_salesperson=sp,
        default_territory=terr,
        default_country=country,
        default_language=lang,
        default_correspondence_type="email",
    )
    contact = _company()
    assert (contact.salesperson, contact.territory, contact.country, contact.language) == (
        sp,
        terr,
        country,
        lang,
    )
    assert contact.correspondence_type == "email"


def test_c3_users_salesperson_wins_over_default(mksetup, make_user):
    """C-3: a user linked to salesperson S creates a contact: it gets S."""
    mksetup.update(default_salesperson=SalespersonFactory())
    user = make_user("rep")
    mine = SalespersonFactory(user=user)
    assert contact_create(user=user, data={"name": "X"}).salesperson == mine


def test_c4_default_salutations(mksetup):
    """C-4: new company → default company salutation; new person → default person one."""
    company_sal, person_sal = SalutationFactory(code="COMP"), SalutationFactory(code="PERS")
    mksetup.update(default_company_salutation=company_sal, default_person_salutation=person_sal)
    assert _company().salutation == company_sal
    assert _person().salutation == person_sal


def test_c5_no_defaults_for_imports(mksetup):
    """C-5: a creation path saying 'no defaults' (import) gets no setup defaults."""
    mksetup.update(default_territory=TerritoryFactory(), default_correspondence_type="email")
    contact = contact_create(user=None, data={"name": "X"}, apply_defaults=False)
    assert contact.territory is None
    assert contact.correspondence_type == ""


# -- names -------------------------------------------------------------------------------------


def test_c6_person_name_is_split(mksetup):
    """C-6: "John Paul Smith" → John/Paul/Smith; "Jane Doe" → Jane/blank/Doe."""
    john = _person(name="John Paul Smith")
    assert (john.first_name, john.middle_name, john.surname) == ("John", "Paul", "Smith")
    jane = _person(name="Jane  Doe")
    assert (jane.first_name, jane.middle_name, jane.surname) == ("Jane", "", "Doe")
    assert name_split("Anna Maria de Vries") == ("Anna Maria", "de", "Vries")
    assert name_split("Cher") == ("Cher", "", "")


def test_c7_editing_name_parts_rebuilds_name(mksetup):
    """C-7: editing first/middle/surname rebuilds the name with single spaces."""
    person = _person(name="John Smith")
    person = contact_update(
        contact=person, user=None, data={"middle_name": " Paul ", "surname": "Jones"}
    )
    assert person.name == "John Paul Jones"


def test_c8_search_name_follows_until_overridden(mksetup):
    """C-8: search name follows the name until the user types another one."""
    contact = _company(name="Acme")
    assert contact.search_name == "ACME"
    contact = contact_update(contact=contact, user=None, data={"name": "Acme Corp"})
    assert contact.search_name == "ACME CORP"
    contact = contact_update(contact=contact, user=None, data={"search_name": "widgets"})
    assert contact.search_name == "WIDGETS"
    contact = contact_update(contact=contact, user=None, data={"name": "Acme Group"})
    assert contact.search_name == "WIDGETS"


def test_c9_phone_with_letter_is_refused(mksetup):
    """C-9: a phone or mobile number containing a letter is refused."""
    with pytest.raises(ValidationError, match="may contain digits"):
        _company(phone="+33 1 23 45 ABC")
    with pytest.raises(ValidationError, match="may contain digits"):
        _company(mobile_phone="06x12")
    assert _company(phone="+33 (0)1-23/45.67").phone == "+33 (0)1-23/45.67"


def test_c10_email_validated_and_search_email_upper(mksetup):
    """C-10: an invalid e-mail is refused; a valid one is stored upper-case in search_email."""
    with pytest.raises(ValidationError, match="email"):
        _company(email="not-an-email")
    assert _company(email="Info@Acme.test").search_email == "INFO@ACME.TEST"


def test_c11_last_modified_moves_on_edit_and_satellites(mksetup):
    """C-11: last_modified_at moves on an edit and on alternate address / date range changes."""
    contact = _company()
    stamps = [contact.last_modified_at]
    contact = contact_update(contact=contact, user=None, data={"city": "Lyon"})
    stamps.append(contact.last_modified_at)
    address = contact_alt_address_create(contact=contact, data={"code": "home", "city": "Nice"})
    contact.refresh_from_db()
    stamps.append(contact.last_modified_at)
    contact_alt_address_date_range_create(
        contact=contact, alt_address=address, starting_date=dt.date(2025, 1, 1)
    )
    contact.refresh_from_db()
    stamps.append(contact.last_modified_at)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4


# -- person ↔ company ----------------------------------------------------------------------------


def test_c12_linking_copies_inherited_fields(mksetup):
    """C-12: linking copies salesperson, territory, country and language over defaults."""
    mksetup.update(default_salesperson=SalespersonFactory(), default_territory=TerritoryFactory())
    company = _company(
        salesperson=SalespersonFactory(),
        territory=TerritoryFactory(),
        country=CountryFactory(),
        language=LanguageFactory(),
    )
    person = _person()
    person = contact_update(contact=person, user=None, data={"company": company})
    assert (person.salesperson, person.territory, person.country, person.language) == (
        company.salesperson,
        company.territory,
        company.country,
        company.language,
    )
    assert person.company_name == "Acme Ltd"


def test_c13_empty_address_takes_company_address(mksetup):
    """C-13: a person with an empty address gets the company's address block."""
    company = _company(address="1 Main St", city="Paris", post_code="75001")
    person = _person(company=company)
    assert (person.address, person.city, person.post_code) == ("1 Main St", "Paris", "75001")


def test_c14_own_address_is_kept(mksetup):
    """C-14: linking a person with its own different address keeps it."""
    company = _company(address="1 Main St", city="Paris")
    person = _person(address="9 Elm Rd", city="Lyon")
    person = contact_update(contact=person, user=None, data={"company": company})
    assert (person.address, person.city) == ("9 Elm Rd", "Lyon")


def test_c15_communication_copied_only_when_blank_or_old_company_value(mksetup):
    """C-15: each communication field is copied only when blank or equal to the old company's."""
    old = _company(name="Old", phone="111", fax="222")
    new = _company(name="New", phone="333", fax="444", email="new@x.test")
    person = _person(company=old)
    assert person.phone == "111"
    person = contact_update(contact=person, user=None, data={"fax": "999"})
    person = contact_update(contact=person, user=None, data={"company": new})
    assert (person.phone, person.fax, person.email) == ("333", "999", "new@x.test")


def test_c16_all_switches_off_only_company_name(mksetup):
    """C-16: with all inheritance switches off, linking sets only the company name."""
    mksetup.update(
        inherit_salesperson=False,
        inherit_territory=False,
        inherit_country=False,
        inherit_language=False,
        inherit_address=False,
        inherit_communication=False,
    )
    company = _company(phone="123", city="Paris", territory=TerritoryFactory())
    person = _person(company=company)
    assert person.company_name == "Acme Ltd"
    assert (person.phone, person.city, person.territory) == ("", "", None)


def test_c17_company_phone_ripples_to_matching_persons(mksetup, django_assert_max_num_queries):
    """C-17: a company's phone change updates persons with the old phone, no others."""
    company = _company(phone="111")
    same = [_person(company=company) for _ in range(3)]
    own = _person(company=company, phone="999")
    with django_assert_max_num_queries(
        46
    ):  # clean, person count (inline or job), ripple UPDATE, dedupe rebuild; any person count
        contact_update(contact=company, user=None, data={"phone": "222"})
    assert {p.phone for p in Contact.objects.filter(pk__in=[p.pk for p in same])} == {"222"}
    own.refresh_from_db()
    assert own.phone == "999"


def test_c18_company_address_ripples_to_identical_blocks(mksetup):
    """C-18: a company's address change updates persons whose block equalled the old one."""
    company = _company(address="1 Main St", city="Paris")
    follower = _person(company=company)
    other = _person(company=company)
    contact_update(contact=other, user=None, data={"address": "9 Elm Rd"})
    contact_update(contact=company, user=None, data={"address": "2 High St"})
    follower.refresh_from_db()
    other.refresh_from_db()
    assert (follower.address, follower.city) == ("2 High St", "Paris")
    assert other.address == "9 Elm Rd"


def test_c19_company_rename_updates_all_persons(mksetup):
    """C-19: renaming a company updates the company name on all its persons."""
    company = _company()
    persons = [_person(company=company, phone=str(n)) for n in range(2)]
    contact_update(contact=company, user=None, data={"name": "Acme Group"})
    assert {p.company_name for p in Contact.objects.filter(pk__in=[p.pk for p in persons])} == {
        "Acme Group"
    }


def test_c20_typed_company_name(mksetup):
    """C-20: typed company name links a unique exact/partial match; ambiguous → pick list;
    none → refused."""
    acme = _company(name="Acme")
    _company(name="Acme Industries")
    _company(name="Globex Paris")
    _company(name="Globex Lyon")
    assert _person(company_text="acme").company == acme  # exact wins over starts-with
    assert _person(company_text="Globex P").company.name == "Globex Paris"
    with pytest.raises(AmbiguousCompanyError, match="Ambiguous company name") as exc:
        _person(company_text="Globex")
    assert len(exc.value.candidates) == 2
    chosen = exc.value.candidates[1]
    assert _person(company_text="Globex", company=chosen).company == chosen
    with pytest.raises(ValidationError, match="No company matches"):
        _person(company_text="Initech")


def test_c21_company_change_refused_while_on_unlogged_segment(mksetup):
    """C-21: a person's company cannot change while a registered blocking reference exists
    (segments register their unlogged lines; proven with a stand-in model)."""
    ref = ContactReference(
        model="contacts.SalesHistoryLine",
        label="segment S0001",
        blocks_company_change=Q(item_code="UNLOGGED"),
    )
    register_contact_reference(ref)
    try:
        person = _person()
        SalesHistoryLine.objects.create(
            contact=person, posting_date=dt.date(2025, 1, 1), item_code="UNLOGGED"
        )
        with pytest.raises(ValidationError, match="Remove the contact from segment S0001"):
            contact_update(contact=person, user=None, data={"company": _company()})
    finally:
        unregister_contact_reference(ref)


def test_c22_company_must_be_a_company(mksetup):
    """C-22: a person's company cannot be a person contact."""
    other = _person(name="Jane Doe")
    with pytest.raises(ValidationError, match="is not a company"):
        _person(company=other)


# -- type change -------------------------------------------------------------------------------


def test_c23_type_change_refused_with_history(mksetup):
    """C-23: type change is refused when the contact has history (registered references)."""
    ref = ContactReference(
        model="contacts.SalesHistoryLine", label="an interaction", blocks_type_change=True
    )
    register_contact_reference(ref)
    try:
        contact = _company()
        SalesHistoryLine.objects.create(contact=contact, posting_date=dt.date(2025, 1, 1))
        with pytest.raises(ValidationError, match="type cannot be changed"):
            contact_change_type(contact=contact, user=None)
    finally:
        unregister_contact_reference(ref)


@pytest.mark.parametrize("blocker", ["persons", "relations", "industry", "currency", "vat"])
def test_c24_company_to_person_refusals(mksetup, blocker):
    """C-24: company → person refused with persons, relations, industry groups, currency, VAT."""
    company = _company()
    if blocker == "persons":
        _person(company=company)
    elif blocker == "relations":
        ContactBusinessRelationFactory(contact=company)
    elif blocker == "industry":
        ContactIndustryGroupFactory(contact=company)
    elif blocker == "currency":
        Contact.objects.filter(pk=company.pk).update(currency=CurrencyFactory())
    else:
        Contact.objects.filter(pk=company.pk).update(vat_registration_number="FR123")
    with pytest.raises(ValidationError, match="cannot become a person"):
        contact_change_type(contact=company, user=None)


def test_c24_company_to_person_success(mksetup):
    """C-24: without blockers the company becomes a person with a split name."""
    person_sal = SalutationFactory(code="PERS")
    mksetup.update(default_person_salutation=person_sal)
    contact = contact_change_type(contact=_company(name="Ann Lee"), user=None)
    assert (contact.type, contact.company_id, contact.company_name) == ("person", None, "")
    assert (contact.first_name, contact.surname, contact.salutation) == ("Ann", "Lee", person_sal)


def test_c25_person_to_company(mksetup):
    """C-25: person → company refused with job responsibilities or an org level; on success
    name parts and job title are cleared."""
    person = _person(job_title="CEO")
    ContactJobResponsibilityFactory(contact=person)
    with pytest.raises(ValidationError, match="job responsibilities"):
        contact_change_type(contact=person, user=None)
    leveled = _person(organizational_level=OrganizationalLevelFactory())
    with pytest.raises(ValidationError, match="organizational level"):
        contact_change_type(contact=leveled, user=None)
    plain = contact_change_type(contact=_person(job_title="CEO"), user=None)
    assert (plain.type, plain.company_id, plain.company_name) == ("company", plain.pk, plain.name)
    assert (plain.first_name, plain.surname, plain.job_title) == ("", "", "")


# -- deletion ----------------------------------------------------------------------------------


def test_c26_delete_refused_with_open_work(mksetup):
    """C-26: a contact with blocking rows (open task, unlogged segment line, open opportunity,
    registered by those areas) cannot be deleted; nothing is deleted."""
    ref = ContactReference(
        model="contacts.SalesHistoryLine", label="an open task", blocks_delete=Q(item_code="OPEN")
    )
    register_contact_reference(ref)
    try:
        company = _company()
        person = _person(company=company)
        SalesHistoryLine.objects.create(
            contact=person, posting_date=dt.date(2025, 1, 1), item_code="OPEN"
        )
        with pytest.raises(ValidationError, match="cannot be deleted: it has an open task"):
            contact_delete(contact=company, user=None)
        assert Contact.objects.filter(pk__in=[company.pk, person.pk]).count() == 2
    finally:
        unregister_contact_reference(ref)


def test_c27_deleting_company_deletes_persons_and_satellites(mksetup):
    """C-27: deleting a company deletes its persons, groups, web sources, relations, mailing
    groups, alternate addresses and comments."""
    company = _company()
    person = _person(company=company)
    ContactIndustryGroupFactory(contact=company)
    ContactBusinessRelationFactory(contact=company)
    contact_mailing_group_add(contact=person, mailing_group=MailingGroupFactory())
    contact_web_source_add(contact=company, web_source=WebSourceFactory(), search_word="x")
    ContactAltAddressFactory(contact=company)
    contact_comment_add(contact=company, comment="hello")
    assert contact_delete(contact=company, user=None) == 2
    assert not Contact.objects.filter(pk__in=[company.pk, person.pk]).exists()
    for model in (ContactIndustryGroup, ContactMailingGroup, ContactWebSource, ContactAltAddress):
        assert not model.objects.exists()
    assert not CommentLine.objects.filter(target_id=company.pk).exists()
    assert DeletedContactTombstone.objects.filter(number=company.number).exists()


def test_c28_deleting_person_moves_history_to_company(mksetup):
    """C-28: deleting a person re-points its history rows to its company."""
    ref = ContactReference(model="contacts.SalesHistoryLine", label="history")
    register_contact_reference(ref)
    try:
        company = _company()
        person = _person(company=company)
        line = SalesHistoryLine.objects.create(contact=person, posting_date=dt.date(2025, 1, 1))
        contact_delete(contact=person, user=None)
        line.refresh_from_db()
        assert line.contact_id == company.pk
    finally:
        unregister_contact_reference(ref)


def test_c29_deleting_linked_contact_reports_link(mksetup):
    """C-29: deleting a linked contact removes the link and reports it in the deleted feed."""
    company = _company()
    ContactBusinessRelationFactory(contact=company, link_type="customer", external_number="C0042")
    contact_delete(contact=company, user=None)
    tombstone = DeletedContactTombstone.objects.get(number=company.number)
    assert tombstone.link_rows[0]["external_number"] == "C0042"


# -- segmentation ------------------------------------------------------------------------------


def test_c30_field_restrictions_by_type(mksetup):
    """C-30: industry groups, relations, web sources refused on persons; job responsibilities
    and organizational level on companies; mailing groups on both."""
    person, company = _person(), _company()
    with pytest.raises(ValidationError, match="Only companies"):
        contact_industry_group_add(contact=person, industry_group=IndustryGroupFactory())
    with pytest.raises(ValidationError, match="Only companies"):
        contact_business_relation_add(contact=person, business_relation=BusinessRelationFactory())
    with pytest.raises(ValidationError, match="Only companies"):
        contact_web_source_add(contact=person, web_source=WebSourceFactory())
    with pytest.raises(ValidationError, match="Only persons"):
        contact_job_responsibility_add(
            contact=company, job_responsibility=JobResponsibilityFactory()
        )
    with pytest.raises(ValidationError, match="Only persons"):
        contact_update(
            contact=company,
            user=None,
            data={"organizational_level": OrganizationalLevelFactory()},
        )
    group = MailingGroupFactory()
    contact_mailing_group_add(contact=person, mailing_group=group)
    contact_mailing_group_add(contact=company, mailing_group=group)
    with pytest.raises(ValidationError, match="already assigned"):
        contact_mailing_group_add(contact=company, mailing_group=group)


def test_c31_person_cannot_remove_its_companys_rows(mksetup):
    """C-31: a person's industry groups and business relations are its company's, read-only
    (CON-40): the remove services refuse on a person and leave the company's rows alone."""
    company = _company()
    person = _person(company=company)
    group = ContactIndustryGroupFactory(contact=company)
    relation = contact_business_relation_add(
        contact=company, business_relation=BusinessRelationFactory()
    )
    source = contact_web_source_add(contact=company, web_source=WebSourceFactory())
    Contact.objects.filter(pk=person.pk).update(
        last_modified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    with pytest.raises(ValidationError, match="Only companies"):
        contact_industry_group_remove(contact=person, pk=group.pk)
    with pytest.raises(ValidationError, match="Only companies"):
        contact_business_relation_remove(contact=person, pk=relation.pk)
    with pytest.raises(ValidationError, match="Only companies"):
        contact_web_source_remove(contact=person, pk=source.pk)
    with pytest.raises(ValidationError, match="Only persons"):
        contact_job_responsibility_remove(contact=company, pk=0)
    assert ContactIndustryGroup.objects.filter(pk=group.pk).exists()
    person.refresh_from_db()
    assert person.last_modified_at.year == 2020  # nothing changed, CON-15 not touched
    assert not contact_section_is_writable(contact=person, section="industry-groups")
    assert not contact_section_is_writable(contact=person, section="business-relations")
    assert contact_section_is_writable(contact=person, section="mailing-groups")
    assert contact_section_is_writable(contact=company, section="industry-groups")
    assert not contact_section_is_writable(contact=company, section="job-responsibilities")


def test_c31_person_shows_company_counts(mksetup):
    """C-31: a person shows its company's number of industry groups and business relations."""
    company = _company()
    person = _person(company=company)
    ContactIndustryGroupFactory(contact=company)
    ContactIndustryGroupFactory(contact=company)
    contact_business_relation_add(contact=company, business_relation=BusinessRelationFactory())
    stats = contact_statistics(contact=person)
    assert (stats["industry_groups"], stats["business_relations"]) == (2, 1)
    person.refresh_from_db()
    assert person.business_relation_summary == "other"


def test_c32_web_source_url_is_encoded(mksetup):
    """C-32: https://x.test/?q=%1 with "Acme Ltd" opens https://x.test/?q=Acme%20Ltd."""
    row = contact_web_source_add(
        contact=_company(),
        web_source=WebSourceFactory(url="https://x.test/?q=%1"),
        search_word="Acme Ltd",
    )
    assert web_source_url(row=row) == "https://x.test/?q=Acme%20Ltd"


def test_c33_alternate_address_date_ranges(mksetup):
    """C-33: a date in a range selects that address; blank end stays active; same start or
    start after end refused; deleting the address deletes its ranges."""
    contact = _company()
    summer = contact_alt_address_create(contact=contact, data={"code": "summer", "city": "Nice"})
    winter = contact_alt_address_create(contact=contact, data={"code": "winter", "city": "Alps"})
    contact_alt_address_date_range_create(
        contact=contact,
        alt_address=summer,
        starting_date=dt.date(2025, 6, 1),
        ending_date=dt.date(2025, 8, 31),
    )
    contact_alt_address_date_range_create(
        contact=contact, alt_address=winter, starting_date=dt.date(2025, 12, 1)
    )
    assert contact_active_alt_address(contact=contact, on_date=dt.date(2025, 7, 1)) == summer
    assert contact_active_alt_address(contact=contact, on_date=dt.date(2025, 9, 1)) is None
    assert contact_active_alt_address(contact=contact, on_date=dt.date(2030, 1, 1)) == winter
    with pytest.raises(ValidationError, match="already exists"):
        contact_alt_address_date_range_create(
            contact=contact, alt_address=winter, starting_date=dt.date(2025, 12, 1)
        )
    with pytest.raises(ValidationError, match="on or after the starting date"):
        contact_alt_address_date_range_create(
            contact=contact,
            alt_address=winter,
            starting_date=dt.date(2026, 2, 1),
            ending_date=dt.date(2026, 1, 1),
        )
    contact_alt_address_delete(contact=contact, pk=summer.pk)
    assert not ContactAltAddressDateRange.objects.filter(alt_address_id=summer.pk).exists()


# -- GDPR ------------------------------------------------------------------------------------------


def test_c49_minor_sets_privacy_block(mksetup):
    """C-49: setting minor sets privacy blocked."""
    contact = contact_update(contact=_person(), user=None, data={"is_minor": True})
    assert contact.is_privacy_blocked is True


def test_c50_block_on_minor_needs_consent(mksetup):
    """C-50: clearing the block on a minor without consent fails; consent needs a minor;
    after consent the block can be cleared."""
    with pytest.raises(ValidationError, match="only be recorded for a minor"):
        contact_update(contact=_person(), user=None, data={"has_parental_consent": True})
    minor = contact_update(contact=_person(), user=None, data={"is_minor": True})
    with pytest.raises(ValidationError, match="cannot be cleared until parental consent"):
        contact_update(contact=minor, user=None, data={"is_privacy_blocked": False})
    minor = contact_update(contact=minor, user=None, data={"has_parental_consent": True})
    assert minor.is_privacy_blocked is True
    minor = contact_update(contact=minor, user=None, data={"is_privacy_blocked": False})
    assert minor.is_privacy_blocked is False


def test_salutation_texts_on_card(mksetup):
    """SET-40 / CON-55: formal and informal texts for the card."""
    sal = SalutationFactory(code="MR")
    SalutationFormulaFactory(salutation=sal, language=None)
    contact = _person(name="Anna Smith", salutation=sal)
    texts = contact_salutations(contact=contact)
    assert texts["formal"] == "Dear Anna Smith,"
    assert "No informal salutation formula" in texts["informal"]
