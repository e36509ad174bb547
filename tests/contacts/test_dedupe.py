import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts.dedupe import (
    contact_duplicate_mark_separate,
    contact_duplicate_strings_generate_batch,
    contact_duplicate_strings_generate_start,
    contact_duplicate_strings_rebuild,
    contact_duplicates_rebuild,
    contact_merge,
    contact_merge_clash_resolve,
    contact_merge_preview,
    duplicate_prompt,
    duplicate_search_string,
)
from contacts.models import (
    Contact,
    ContactAltAddress,
    ContactBusinessRelation,
    ContactDuplicate,
    ContactDuplicateSearchString,
    ContactMailingGroup,
    ContactMergeLog,
)
from crm.exceptions import ApplicationError
from crm.models import BulkJob, BulkJobStatus
from setup.models import MailingGroup, MarketingSetup
from setup.signals import duplicate_index_rebuild_requested
from tests.contacts.helpers_links import company, default_duplicate_setup, person

# Ten identical strings out of 16: name first/last, address first/last, city first/last,
# phone first/last, post code first/last (email, mobile and VAT left blank).
TEN = {
    "name": "Acme Trading",
    "address": "1 Main Street",
    "city": "Springfield",
    "phone": "555 123 456",
    "post_code": "12345",
}


def _pair(a, b):
    lo, hi = sorted([a.pk, b.pk])
    return ContactDuplicate.objects.filter(contact_id=lo, duplicate_id=hi).first()


@pytest.fixture
def dup_setup(db):
    default_duplicate_setup()
    setup = MarketingSetup.load()
    setup.duplicate_hit_percent = 60
    setup.maintain_duplicate_strings = True
    setup.autosearch_duplicates = True
    setup.save()
    return setup


def test_c53_normalisation_same_first_five():
    """C-53: "A-B Co." and "ab co" give the same first-5 string (CON-60)."""
    assert duplicate_search_string("A-B Co.", part="first", length=5) == "ABCO"
    assert duplicate_search_string("ab co", part="first", length=5) == "ABCO"
    assert duplicate_search_string("Springfield", part="last", length=5) == "FIELD"
    assert duplicate_search_string("", part="first", length=5) == ""


def test_c53_sql_strings_match_python(dup_setup):
    """C-53: the set-based SQL builds the same strings as CON-60 in Python."""
    a = company("A-B Co.", city="(Paris)")
    b = company("ab co")
    contact_duplicate_strings_rebuild(contact_ids=[a.pk, b.pk])
    got = dict(
        ContactDuplicateSearchString.objects.filter(contact=a)
        .values_list("field", "search_string")
        .filter(part="first")
    )
    assert (
        got["name"]
        == "ABCO"
        == ContactDuplicateSearchString.objects.get(
            contact=b, field="name", part="first"
        ).search_string
    )
    assert got["city"] == "PARIS"
    assert "email" not in got  # empty values give no string


def test_c52_ten_of_sixteen_make_a_pair_nine_do_not(dup_setup):
    """C-52: with 16 rows and 60 %, 10 shared strings form a pair, 9 do not (CON-61)."""
    a = company(**TEN)
    b = company(**TEN)
    nine = {**TEN, "post_code": "99999", "email": "x@y.test"}
    nine["post_code"] = "99999"
    c = company(**{**TEN, "name": "Acme Trading", "post_code": "00000"})
    # c shares 8 (post code differs both ends) — add the e-mail of nobody.
    contact_duplicate_strings_rebuild(contact_ids=[a.pk, b.pk, c.pk])
    pair = _pair(a, b)
    assert pair is not None and pair.matching_string_count == 10
    assert _pair(a, c) is None  # 8 shared < 10
    d = company(**{**TEN, "post_code": "12399"})  # post code last-5 differs, first-5 "12399"≠
    e = company(**{**TEN, "post_code": "1234"})  # shares neither post code string
    contact_duplicate_strings_rebuild(contact_ids=[d.pk, e.pk])
    assert _pair(a, e) is None
    # nine shared: change only the last-5 of the phone
    f = company(**{**TEN, "phone": "555 123 999"})
    contact_duplicate_strings_rebuild(contact_ids=[f.pk])
    assert ContactDuplicateSearchString.objects.filter(contact=f).count() == 10
    assert _pair(a, f) is None


def test_c55_persons_are_never_reported(dup_setup):
    """C-55: two identical persons are never reported as duplicates (CON-64)."""
    p1 = person("Jane Doe", address="1 Main Street", city="Springfield", phone="555")
    p2 = person("Jane Doe", address="1 Main Street", city="Springfield", phone="555")
    contact_duplicate_strings_rebuild(contact_ids=[p1.pk, p2.pk])
    assert not ContactDuplicateSearchString.objects.filter(contact__in=[p1, p2]).exists()
    assert not ContactDuplicate.objects.exists()


def test_c56_separate_pair_survives_reindexing(dup_setup):
    """C-56: a pair marked separate is still there, unchanged, after re-indexing (CON-62)."""
    a, b = company(**TEN), company(**TEN)
    contact_duplicate_strings_rebuild(contact_ids=[a.pk, b.pk])
    pair = _pair(a, b)
    contact_duplicate_mark_separate(pair=pair)
    before = ContactDuplicate.objects.get(pk=pair.pk)
    contact_duplicate_strings_rebuild(contact_ids=[a.pk])
    contact_duplicates_rebuild(contact_id=b.pk)
    after = ContactDuplicate.objects.get(pk=pair.pk)
    assert after.is_separate
    assert (after.matching_string_count, after.updated_at) == (
        before.matching_string_count,
        before.updated_at,
    )
    assert ContactDuplicate.objects.count() == 1


def test_c54_rebuild_entry_point_and_prompt(dup_setup):
    """C-54: the core save calls contact_duplicates_rebuild; maintain on rebuilds and the
    prompt is offered when autosearch is on and a pair exists (CON-63)."""
    a = company(**TEN)
    assert contact_duplicates_rebuild(contact_id=a.pk) is False
    b = company(**TEN)
    assert contact_duplicates_rebuild(contact_id=b.pk) is True
    prompt = duplicate_prompt(contact_id=b.pk)
    assert prompt["count"] == 1 and f"contact={b.pk}" in prompt["url"]
    # a name change rebuilds the strings
    Contact.objects.filter(pk=b.pk).update(name="Zeta Holdings")
    contact_duplicates_rebuild(contact_id=b.pk)
    assert (
        ContactDuplicateSearchString.objects.get(
            contact=b, field="name", part="first"
        ).search_string
        == "ZETAH"
    )


def test_c54_maintain_off_does_nothing(dup_setup):
    """C-54: with maintain off nothing is rebuilt and no prompt is offered (CON-63)."""
    MarketingSetup.objects.update(maintain_duplicate_strings=False, autosearch_duplicates=False)
    a, b = company(**TEN), company(**TEN)
    assert contact_duplicates_rebuild(contact_id=b.pk) is False
    assert not ContactDuplicateSearchString.objects.filter(contact__in=[a, b]).exists()
    assert duplicate_prompt(contact_id=b.pk) is None


def test_c57_generate_job_honours_filters_and_touches_only_companies(dup_setup):
    """C-57: the generate job honours its filters and touches only companies (CON-65)."""
    a = company(**TEN, external_id="X1")
    b = company(**TEN, external_id="X1")
    c = company(**TEN, external_id="OTHER")
    p = person("Jane", external_id="X1")
    job = contact_duplicate_strings_generate_start(filters={"external_id": "X1"}, enqueue=False)
    assert job.total == 2
    while contact_duplicate_strings_generate_batch(job_id=job.pk, batch_size=1):
        pass
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED and job.done == 2
    touched = set(ContactDuplicateSearchString.objects.values_list("contact_id", flat=True))
    assert touched == {a.pk, b.pk}
    assert p.pk not in touched and c.pk not in touched
    # idempotent: a second run of a finished job changes nothing
    assert contact_duplicate_strings_generate_batch(job_id=job.pk) is False


def test_set3_signal_starts_the_generate_job(dup_setup, django_capture_on_commit_callbacks):
    """SET-3: the setup's rebuild request starts the job for every company."""
    company(**TEN)
    with django_capture_on_commit_callbacks(execute=True):
        duplicate_index_rebuild_requested.send(sender=MarketingSetup, user=None)
    job = BulkJob.objects.get(kind="contact_duplicate_strings_generate")
    assert job.status == BulkJobStatus.SUCCEEDED and job.done == 1


@pytest.fixture
def merger(make_user):
    # merging and separating duplicates are marketing work (README, crm/roles.py)
    user = make_user("merger", groups=["Marketing"])
    user.user_permissions.add(Permission.objects.get(codename="merge_contact"))
    return user


def test_c58_merge_repoints_everything_and_deletes_duplicate(dup_setup, merger):
    """C-58: after a merge nothing references the duplicate; it is gone (CON-66)."""
    kept = company(**TEN, email="")
    dup = company(**TEN, email="dup@acme.test")
    staff = person("Jim Beam", company_contact=dup)
    ContactAltAddress.objects.create(contact=dup, code="HQ")
    group = MailingGroup.objects.create(code="GIFT")
    ContactMailingGroup.objects.create(contact=dup, mailing_group=group)
    contact_duplicate_strings_rebuild(contact_ids=[kept.pk, dup.pk])
    preview = contact_merge_preview(kept=kept, duplicate=dup)
    assert "email" in {d.name for d in preview.differences}
    assert preview.clashes == []
    log = contact_merge(kept=kept, duplicate=dup, overrides=["email"], user=merger)
    assert not Contact.objects.filter(pk=dup.pk).exists()
    staff.refresh_from_db()
    kept.refresh_from_db()
    assert staff.company_id == kept.pk and staff.company_name == kept.name
    assert kept.email == "dup@acme.test" and kept.search_email == "DUP@ACME.TEST"
    assert ContactAltAddress.objects.get(code="HQ").contact_id == kept.pk
    assert ContactMailingGroup.objects.get().contact_id == kept.pk
    assert not ContactDuplicate.objects.exists()
    assert ContactDuplicateSearchString.objects.filter(contact=kept).exists()
    assert log.field_overrides["email"] == ["", "dup@acme.test"]
    assert ContactMergeLog.objects.count() == 1
    # No row of any table refers to the duplicate id any more.
    from contacts.dedupe import _reverse_relations

    for rel in _reverse_relations():
        assert not rel.related_model._base_manager.filter(**{rel.field.name: dup.pk}).exists()


def test_c58_merge_refused_while_clashes_remain(dup_setup, merger):
    """C-58: merge is refused while unique-key clashes remain; resolving them allows it."""
    kept, dup = company(**TEN), company(**TEN)
    group = MailingGroup.objects.create(code="GIFT")
    ContactMailingGroup.objects.create(contact=kept, mailing_group=group)
    dup_row = ContactMailingGroup.objects.create(contact=dup, mailing_group=group)
    ContactAltAddress.objects.create(contact=kept, code="HQ")
    dup_alt = ContactAltAddress.objects.create(contact=dup, code="HQ")
    contact_duplicate_strings_rebuild(contact_ids=[kept.pk, dup.pk])
    clashes = contact_merge_preview(kept=kept, duplicate=dup).clashes
    assert {c.key for c in clashes} == {
        f"contacts.contactmailinggroup:{dup_row.pk}",
        f"contacts.contactaltaddress:{dup_alt.pk}",
    }
    assert next(c for c in clashes if "altaddress" in c.key).rename_field == "code"
    with pytest.raises(ApplicationError, match="Resolve the 2 clash"):
        contact_merge(kept=kept, duplicate=dup, user=merger)
    assert Contact.objects.filter(pk=dup.pk).exists()
    contact_merge_clash_resolve(
        duplicate=dup, key=f"contacts.contactmailinggroup:{dup_row.pk}", action="delete"
    )
    contact_merge_clash_resolve(
        duplicate=dup,
        key=f"contacts.contactaltaddress:{dup_alt.pk}",
        action="rename",
        new_value="hq2",
    )
    contact_merge(kept=kept, duplicate=dup, user=merger)
    assert set(ContactAltAddress.objects.values_list("code", flat=True)) == {"HQ", "HQ2"}


def test_c58_merge_clash_on_links(dup_setup, merger):
    """C-58: both with a link of the same type is a clash (CON-66)."""
    from tests.contacts.helpers_links import link_setup

    setup = link_setup("customer")
    kept, dup = company(**TEN), company(**TEN)
    for c, n in ((kept, "C1"), (dup, "C2")):
        ContactBusinessRelation.objects.create(
            contact=c,
            business_relation=setup.customer_relation,
            link_type="customer",
            external_number=n,
        )
    assert contact_merge_preview(kept=kept, duplicate=dup).clashes


def test_merge_needs_permission(dup_setup, make_user):
    """CON-66: merging needs contacts.merge_contact."""
    kept, dup = company(**TEN), company(**TEN)
    with pytest.raises(ApplicationError, match="permission"):
        contact_merge(kept=kept, duplicate=dup, user=make_user("nobody"))


def test_duplicate_pages(dup_setup, client, merger, django_assert_max_num_queries):
    """Duplicates page ranks by trigram similarity; bounded queries; merge page renders."""
    pairs = []
    for _i in range(5):
        a, b = company(**TEN), company(**TEN)
        pairs.append((a, b))
    contact_duplicate_strings_rebuild(contact_ids=[c.pk for p in pairs for c in p])
    client.force_login(merger)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("contacts:duplicate-list"))
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) >= 5
    pair = ContactDuplicate.objects.first()
    response = client.get(reverse("contacts:duplicate-merge", args=[pair.pk]))
    assert response.status_code == 200
    response = client.post(reverse("contacts:duplicate-separate", args=[pair.pk]))
    assert response.status_code == 302
    assert ContactDuplicate.objects.get(pk=pair.pk).is_separate
    response = client.post(
        reverse(
            "contacts:duplicate-merge",
            args=[ContactDuplicate.objects.filter(is_separate=False).first().pk],
        ),
        {"keep": "contact", "action": "merge"},
    )
    assert response.status_code == 302
    assert ContactMergeLog.objects.count() == 1


def test_common_strings_do_not_seed_pairs(dup_setup, monkeypatch):
    """Decision 0005: strings held by more than the cap never bring a candidate in alone."""
    # given three companies sharing the same ten strings, each string held by 3 > 2 companies
    monkeypatch.setattr("contacts.dedupe.DUPLICATE_SEED_MAX_HOLDERS", 2)
    a, b, c = company(**TEN), company(**TEN), company(**TEN)
    # when
    contact_duplicate_strings_rebuild(contact_ids=[a.pk, b.pk, c.pk])
    # then no pair; with the default cap, the three pairs are there
    assert not ContactDuplicate.objects.exists()
    monkeypatch.undo()
    contact_duplicate_strings_rebuild(contact_ids=[a.pk, b.pk, c.pk])
    assert ContactDuplicate.objects.count() == 3


def test_rare_seed_finds_pair_with_common_strings(dup_setup, monkeypatch):
    """Decision 0005: a rare shared string finds the candidate; common ones still count."""
    # given a and b share ten strings, of which only the name's two are rare (2 holders);
    # address, city, phone and post code are also held by two other companies
    monkeypatch.setattr("contacts.dedupe.DUPLICATE_SEED_MAX_HOLDERS", 2)
    others = [company(**{**TEN, "name": f"Other {i} Ltd"}) for i in range(2)]
    a, b = company(**TEN), company(**TEN)
    # when
    contact_duplicate_strings_rebuild(contact_ids=[*[o.pk for o in others], a.pk, b.pk])
    # then the pair counts all ten matches; the others (8 shared) form no pair
    pair = _pair(a, b)
    assert pair is not None and pair.matching_string_count == 10
    assert ContactDuplicate.objects.count() == 1


def test_rebuild_matches_full_self_join(dup_setup):
    """CON-61: without capped seeds, the seeded search gives the self-join's pairs."""
    # given companies sharing 10, 9 and 8 strings with each other
    rows = [
        company(**TEN),
        company(**TEN),
        company(**{**TEN, "phone": "555 123 999"}),
        company(**{**TEN, "post_code": "00000"}),
        company(**{**TEN, "name": "Zeta Trading", "city": "Springfield"}),
    ]
    # when
    contact_duplicate_strings_rebuild(contact_ids=[r.pk for r in rows])
    # then every pair with >= 10 shared strings, counted as a self-join would
    expected = {}
    strings = {
        r.pk: set(
            ContactDuplicateSearchString.objects.filter(contact=r).values_list(
                "field", "part", "search_string"
            )
        )
        for r in rows
    }
    for i, x in enumerate(rows):
        for y in rows[i + 1 :]:
            shared = len(strings[x.pk] & strings[y.pk])
            if shared >= 10:
                expected[(x.pk, y.pk)] = shared
    got = {
        (p.contact_id, p.duplicate_id): p.matching_string_count
        for p in ContactDuplicate.objects.all()
    }
    assert got == expected
    assert expected


def _resolve(client, pair, **data):
    return client.post(
        reverse("contacts:duplicate-merge", args=[pair.pk]),
        {"keep": "contact", "action": "resolve", **data},
        follow=True,
    )


def test_clash_resolve_domain_error_is_a_translated_message(dup_setup, client, merger):
    """A refused resolution (ApplicationError) is a flash message in the user's language."""
    kept, dup = company(**TEN), company(**TEN)
    contact_duplicate_strings_rebuild(contact_ids=[kept.pk, dup.pk])
    client.force_login(merger)
    client.cookies["django_language"] = "fr"
    response = _resolve(client, _pair(kept, dup), key=f"contacts.contactmailinggroup:{dup.pk}")
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Cette ligne n'appartient pas au contact en double."
    ]
    response = _resolve(client, _pair(kept, dup), key="contacts.contactmailinggroup:x")
    assert [str(m) for m in response.context["messages"]] == [
        "Ligne inconnue contacts.contactmailinggroup:x."
    ]


def test_clash_resolve_does_not_swallow_a_bug(dup_setup, client, merger, monkeypatch):
    """A non-domain exception in the service is a server error, not a flash message."""
    kept, dup = company(**TEN), company(**TEN)
    contact_duplicate_strings_rebuild(contact_ids=[kept.pk, dup.pk])

    def broken(**kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr("contacts.views_dedupe.contact_merge_clash_resolve", broken)
    client.force_login(merger)
    with pytest.raises(ZeroDivisionError):
        _resolve(client, _pair(kept, dup), key="contacts.contactmailinggroup:1")
    client.raise_request_exception = False
    assert (
        _resolve(client, _pair(kept, dup), key="contacts.contactmailinggroup:1").status_code == 500
    )
