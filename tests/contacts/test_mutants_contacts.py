"""Tests that kill surviving mutants of ``contacts/dedupe.py`` (duplicate search and merge).

Each pins a rule ``test_dedupe.py`` left open (docs/mutation-testing.md lists the mutants).
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from contacts.dedupe import (
    MERGE_SAME_CONTACT,
    _threshold,
    contact_duplicate_mark_separate,
    contact_duplicate_strings_generate_batch,
    contact_duplicate_strings_generate_start,
    contact_merge,
    contact_merge_clash_resolve,
    contact_merge_preview,
    duplicate_counts,
    duplicate_generate_queryset,
    duplicate_pair_list,
    duplicate_search_string,
)
from contacts.models import (
    CommentLine,
    CommentTargetKind,
    Contact,
    ContactAltAddress,
    ContactAltAddressDateRange,
    ContactBusinessRelation,
    ContactDuplicate,
    ContactMailingGroup,
    ContactProfileAnswer,
    DuplicateField,
    DuplicatePart,
    DuplicateSearchStringSetup,
)
from crm.exceptions import ApplicationError
from crm.models import BulkJobStatus
from setup.models import MailingGroup, MarketingSetup
from tests.contacts.helpers_links import company, default_duplicate_setup, link_setup, person
from tests.factories.profiles import ProfileAnswerFactory

pytestmark = pytest.mark.django_db

CANNOT_RENAME = "This row cannot be renamed; remove it instead."


def test_con60_last_part_takes_the_last_characters():
    """CON-60: a "last" setup row takes the last ``length`` characters of the cleaned value."""
    assert duplicate_search_string("Acme Trading", part=DuplicatePart.LAST, length=5) == "ADING"
    assert duplicate_search_string("Acme Trading", part=DuplicatePart.FIRST, length=5) == "ACMET"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"number_from": "TC900002"}, {"b", "c"}),
        ({"number_to": "TC900002"}, {"a", "b"}),
        ({"number_from": "TC900002", "number_to": "TC900002"}, {"b"}),
        ({"company_number": "TC900003"}, {"c"}),
        ({"modified_from": "2026-03-01"}, {"b", "c"}),
        ({"modified_to": "2026-03-01"}, {"a", "b"}),
        ({}, {"a", "b", "c"}),
    ],
)
def test_con65_generate_job_filters(filters, expected):
    """CON-65: the generate job's filters on contact number (from/to), company number and
    last-modified date (from/to, whole days) each narrow the companies it rebuilds."""
    rows = {}
    for key, number, day in (("a", "TC900001", 1), ("b", "TC900002", 3), ("c", "TC900003", 5)):
        rows[key] = company(name=f"Co {key}", number=number)
        modified = dt.datetime(2026, day, 1, 12, tzinfo=dt.UTC)
        Contact.objects.filter(pk=rows[key].pk).update(last_modified_at=modified)
    chosen = set(duplicate_generate_queryset(filters=filters).values_list("pk", flat=True))
    assert chosen == {rows[k].pk for k in expected}


def test_con65_generate_job_is_running_between_batches():
    """CON-65 (progress shown): the job is running, with its start time, while batches are
    left, and succeeded once the last batch is done."""
    company(name="One")
    company(name="Two")
    job = contact_duplicate_strings_generate_start(enqueue=False)
    assert contact_duplicate_strings_generate_batch(job_id=job.pk, batch_size=1) is True
    job.refresh_from_db()
    assert job.status == BulkJobStatus.RUNNING and job.started_at is not None
    while contact_duplicate_strings_generate_batch(job_id=job.pk, batch_size=1):
        pass
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED and job.done == 2


def _pair(a, b, *, count=10, is_separate=False):
    lo, hi = sorted([a, b], key=lambda c: c.pk)
    return ContactDuplicate.objects.create(
        contact=lo, duplicate=hi, matching_string_count=count, is_separate=is_separate
    )


def test_con66_duplicates_page_lists_a_contacts_pairs_from_either_side():
    """CON-63/66: the duplicates page filtered on a contact lists its pairs whether it is the
    first or the second contact of the pair, and no other pair."""
    a, b, c, d = (company(name=n) for n in ("Acme", "Acme SA", "Acme Ltd", "Zeta"))
    ab, bc, cd = _pair(a, b), _pair(b, c), _pair(c, d)
    assert set(duplicate_pair_list(contact_id=b.pk)) == {ab, bc}
    assert set(duplicate_pair_list(contact_id=d.pk)) == {cd}
    assert set(duplicate_pair_list()) == {ab, bc, cd}


def test_con62_separate_pairs_are_hidden_unless_asked_for():
    """CON-62: a pair marked "separate contacts" leaves the list of open pairs, is shown with
    the separate ones on request, and can be reopened; the counts follow."""
    a, b, c = (company(name=n) for n in ("Acme", "Acme SA", "Beta"))
    open_pair, separate = _pair(a, b), _pair(a, c)
    contact_duplicate_mark_separate(pair=separate)
    separate_updated_at = ContactDuplicate.objects.get(pk=separate.pk).updated_at
    assert separate_updated_at > separate.updated_at
    assert list(duplicate_pair_list()) == [open_pair]
    assert set(duplicate_pair_list(show_separate=True)) == {open_pair, separate}
    assert duplicate_counts() == {"open": 1, "separate": 1}
    contact_duplicate_mark_separate(pair=separate, is_separate=False)
    assert duplicate_counts() == {"open": 2, "separate": 0}


def test_con66_pairs_ranked_by_name_similarity_then_matches_then_id():
    """CON-66 page: pairs are ranked by name similarity (pg_trgm), then by matching strings,
    then oldest first."""
    twin_a, twin_b = company(name="Acme Trading"), company(name="Acme Trading")
    far_a, far_b = company(name="Acme"), company(name="Zenith Holdings")
    tie_1, tie_2 = company(name="Bolt"), company(name="Bolt")
    far = _pair(far_a, far_b, count=16)
    twins = _pair(twin_a, twin_b, count=10)
    tie_low = _pair(tie_1, tie_2, count=11)
    # same similarity (1.0) as the twins, more matches; then the far pair last
    assert list(duplicate_pair_list()) == [tie_low, twins, far]
    same_a, same_b = company(name="Bolt"), company(name="Bolt")
    later = _pair(same_a, same_b, count=11)
    assert list(duplicate_pair_list())[:2] == [tie_low, later]


def test_con66_a_clash_can_be_renamed_when_the_duplicate_is_the_pairs_first_contact():
    """CON-66: a clash on a key with a free part (alternate address code) can be renamed
    whichever side of the duplicate pair the duplicate contact is on."""
    duplicate, kept = company(name="Acme"), company(name="Acme")  # duplicate has the lower pk
    _pair(duplicate, kept)
    ContactAltAddress.objects.create(contact=kept, code="HQ")
    row = ContactAltAddress.objects.create(contact=duplicate, code="HQ")
    contact_merge_clash_resolve(
        duplicate=duplicate,
        key=f"contacts.contactaltaddress:{row.pk}",
        action="rename",
        new_value=" hq2 ",
    )
    row.refresh_from_db()
    assert row.code == "HQ2"


@pytest.mark.parametrize(
    ("rows", "percent", "expected"),
    [(16, 60, 10), (16, 63, 11), (1, 10, 1), (0, 60, 1)],
)
def test_con61_threshold_is_the_ceiling_of_rows_times_percent_and_at_least_one(
    rows, percent, expected
):
    """CON-61: the hit threshold is ceiling(setup rows x hit % / 100), never below 1."""
    DuplicateSearchStringSetup.objects.all().delete()
    keys = [(field, part) for field in DuplicateField.values for part in DuplicatePart.values]
    for field, part in keys[:rows]:
        DuplicateSearchStringSetup.objects.create(field=field, part=part, length=5)
    setup = MarketingSetup.load()
    setup.duplicate_hit_percent = percent
    assert _threshold(setup) == expected


def test_con66_preview_lists_the_differing_fields_with_both_values():
    """CON-66: the merge page lists each differing field with its label and both values; the
    preview carries the two contacts; identity fields (number, type, company) are never
    offered, and overriding one is refused."""
    kept = company(name="Acme", email="")
    duplicate = company(name="Acme", email="dup@acme.test")
    preview = contact_merge_preview(kept=kept, duplicate=duplicate)
    assert (preview.kept, preview.duplicate) == (kept, duplicate)
    assert [(d.name, d.label, d.kept_value, d.duplicate_value) for d in preview.differences] == [
        ("email", "e-mail", "", "dup@acme.test")
    ]
    for identity in ("number", "type", "company"):
        with pytest.raises(ValidationError, match=rf"^\['Field {identity} cannot be merged\.'\]$"):
            contact_merge(kept=kept, duplicate=duplicate, overrides=[identity])


def test_con66_clashes_name_the_row_and_are_listed_once():
    """CON-66: a clash names its table and row; a row clashing on two unique keys (same
    relation and same link type) is listed once; the refusal lists the rows."""
    setup = link_setup("customer")
    kept, duplicate = company(name="Acme"), company(name="Acme")
    for contact, number in ((kept, "C1"), (duplicate, "C2")):
        ContactBusinessRelation.objects.create(
            contact=contact,
            business_relation=setup.customer_relation,
            link_type="customer",
            external_number=number,
        )
    row = ContactBusinessRelation.objects.get(contact=duplicate)
    clashes = contact_merge_preview(kept=kept, duplicate=duplicate).clashes
    assert [(c.key, c.model_label, c.description) for c in clashes] == [
        (
            f"contacts.contactbusinessrelation:{row.pk}",
            str(ContactBusinessRelation._meta.verbose_name),
            str(row),
        )
    ]
    with pytest.raises(
        ApplicationError, match=exactly(f"Resolve the 1 clash(es) before merging: {row}")
    ):
        contact_merge(kept=kept, duplicate=duplicate)


@pytest.mark.parametrize("kind", ["mailing_group", "date_range"])
def test_con66_a_clash_without_a_free_key_part_cannot_be_renamed(kind):
    """CON-66: only a key with a free text part (alternate address code) can be renamed; a
    clash on a group or on a date range must be removed instead."""
    kept, duplicate = company(name="Acme"), company(name="Acme")
    _pair(kept, duplicate)
    if kind == "mailing_group":
        group = MailingGroup.objects.create(code="GIFT")
        ContactMailingGroup.objects.create(contact=kept, mailing_group=group)
        row = ContactMailingGroup.objects.create(contact=duplicate, mailing_group=group)
    else:
        start = dt.date(2026, 1, 1)
        for contact in (kept, duplicate):
            row = ContactAltAddressDateRange.objects.create(
                contact=contact,
                starting_date=start,
                alt_address=ContactAltAddress.objects.create(contact=contact, code=contact.number),
            )
    key = f"{row._meta.label_lower}:{row.pk}"
    clash = contact_merge_preview(kept=kept, duplicate=duplicate).clashes[0]
    assert (clash.key, clash.rename_field) == (key, "")
    with pytest.raises(ApplicationError, match=rf"^{re.escape(CANNOT_RENAME)}$"):
        contact_merge_clash_resolve(duplicate=duplicate, key=key, action="rename", new_value="X")


def test_con66_merge_repoints_hidden_references():
    """CON-66: references without a reverse accessor (``related_name="+"``, e.g. a profile
    answer's company) are re-pointed to the kept contact too."""
    default_duplicate_setup()
    kept, duplicate, other = company(name="Acme"), company(name="Acme"), company(name="Beta")
    answer = ProfileAnswerFactory()
    held = ContactProfileAnswer.objects.create(
        contact=other, answer=answer, question=answer.question, contact_company=duplicate
    )
    log = contact_merge(kept=kept, duplicate=duplicate)
    held.refresh_from_db()
    assert held.contact_company_id == kept.pk
    assert log.references_moved["contacts.contactprofileanswer.contact_company"] == 1


def exactly(message):
    return rf"^{re.escape(message)}$"


def test_con66_merge_refusals_have_their_messages(make_user):
    """CON-66: merging needs the permission, two different contacts and the same type; each
    refusal says why."""
    kept, duplicate = company(name="Acme"), company(name="Acme")
    with pytest.raises(
        ApplicationError, match=exactly("You do not have permission to merge contacts.")
    ):
        contact_merge(kept=kept, duplicate=duplicate, user=make_user("nobody"))
    with pytest.raises(ApplicationError, match=exactly(str(MERGE_SAME_CONTACT))):
        contact_merge(kept=kept, duplicate=kept)
    with pytest.raises(
        ApplicationError, match=exactly("Only contacts of the same type can be merged.")
    ):
        contact_merge(kept=kept, duplicate=person("Jane"))


def test_con66_refusal_lists_every_clash_and_carries_them():
    """CON-66: merge is refused while clashes remain; the message lists each clashing row and
    the error carries the clashes for the page."""
    kept, duplicate = company(name="Acme"), company(name="Acme")
    group = MailingGroup.objects.create(code="GIFT")
    ContactMailingGroup.objects.create(contact=kept, mailing_group=group)
    in_group = ContactMailingGroup.objects.create(contact=duplicate, mailing_group=group)
    ContactAltAddress.objects.create(contact=kept, code="HQ")
    alt = ContactAltAddress.objects.create(contact=duplicate, code="HQ")
    clashes = contact_merge_preview(kept=kept, duplicate=duplicate).clashes
    rows = "; ".join(c.description for c in clashes)
    assert {c.description for c in clashes} == {str(in_group), str(alt)}
    with pytest.raises(ApplicationError) as caught:
        contact_merge(kept=kept, duplicate=duplicate)
    assert caught.value.message == f"Resolve the 2 clash(es) before merging: {rows}"
    assert caught.value.extra == {"clashes": clashes}


def test_con66_merge_log_records_overrides_and_moved_references():
    """CON-66: the merge log records each applied override as [old, new] (blank for empty)
    and how many references of each kind were moved."""
    default_duplicate_setup()
    kept = company(name="Acme", email="old@acme.test", city="Paris")
    duplicate = company(name="Acme", email="new@acme.test", city="")
    for code in ("A", "B"):
        ContactAltAddress.objects.create(contact=duplicate, code=code)
    person("Jim", company_contact=duplicate)
    log = contact_merge(kept=kept, duplicate=duplicate, overrides=["email", "city", "name"])
    assert log.field_overrides == {
        "email": ["old@acme.test", "new@acme.test"],
        "city": ["Paris", ""],
    }
    assert log.references_moved == {
        "contacts.contactaltaddress.contact": 2,
        "contacts.contact.company": 1,
    }


@pytest.mark.parametrize(
    ("kept_lines", "expected"),
    [((10_000, 20_000), [30_000, 70_000]), ((), [10_000, 50_000])],
)
def test_con66_duplicate_comments_follow_the_kept_contacts_comments(kept_lines, expected):
    """CON-66: the duplicate's comment lines move to the kept contact, numbered after the kept
    contact's own lines (kept as they are when it has none); comments of other records with
    the same ids are left alone."""
    default_duplicate_setup()
    kept, duplicate = company(name="Acme"), company(name="Acme")
    contact_kind, campaign_kind = CommentTargetKind.CONTACT, CommentTargetKind.CAMPAIGN
    for line_no in kept_lines:
        CommentLine.objects.create(target_kind=contact_kind, target_id=kept.pk, line_no=line_no)
    for target_id in (kept.pk, duplicate.pk):
        CommentLine.objects.create(target_kind=campaign_kind, target_id=target_id, line_no=90_000)
    moved = [
        CommentLine.objects.create(target_kind=contact_kind, target_id=duplicate.pk, line_no=n)
        for n in (10_000, 50_000)
    ]
    log = contact_merge(kept=kept, duplicate=duplicate)
    assert [
        (c.target_id, c.line_no)
        for c in CommentLine.objects.filter(pk__in=[m.pk for m in moved]).order_by("line_no")
    ] == [(kept.pk, n) for n in expected]
    assert CommentLine.objects.get(target_kind=campaign_kind, target_id=duplicate.pk)
    assert log.references_moved["contacts.commentline"] == 2


def test_con66_merge_writes_its_log_and_the_duplicates_tombstone(make_user):
    """CON-66: the merge log names the kept contact, both numbers, the duplicate's name and who
    merged; a tombstone keeps the deleted duplicate's id, number and name."""
    from django.contrib.auth.models import Permission

    from contacts.models import DeletedContactTombstone

    default_duplicate_setup()
    user = make_user("merger")
    user.user_permissions.add(Permission.objects.get(codename="merge_contact"))
    user = type(user).objects.get(pk=user.pk)
    kept, duplicate = company(name="Acme"), company(name="Acme & Co")
    log = contact_merge(kept=kept, duplicate=duplicate, user=user)
    log.refresh_from_db()
    assert (log.kept_contact, log.kept_number, log.duplicate_number, log.duplicate_name) == (
        kept,
        kept.number,
        duplicate.number,
        "Acme & Co",
    )
    assert log.merged_by == user
    tombstone = DeletedContactTombstone.objects.get(contact_id=duplicate.pk)
    assert (tombstone.number, tombstone.name, tombstone.link_rows) == (
        duplicate.number,
        "Acme & Co",
        [],
    )


def test_con66_clash_resolution_is_refused_for_rows_it_cannot_resolve():
    """CON-66: only the duplicate's own clashing rows can be resolved: a row of the kept
    contact is refused, a row that does not clash cannot be renamed, an empty new value is
    invalid and an unknown action is refused."""
    kept, duplicate = company(name="Acme"), company(name="Acme")
    _pair(kept, duplicate)
    ContactAltAddress.objects.create(contact=kept, code="HQ")
    kept_row = ContactAltAddress.objects.get(contact=kept)
    clashing = ContactAltAddress.objects.create(contact=duplicate, code="HQ")
    free = ContactAltAddress.objects.create(contact=duplicate, code="DEPOT")

    def key(row):
        return f"contacts.contactaltaddress:{row.pk}"

    with pytest.raises(
        ApplicationError, match=exactly("This row does not belong to the duplicate contact.")
    ):
        contact_merge_clash_resolve(duplicate=duplicate, key=key(kept_row), action="delete")
    assert ContactAltAddress.objects.filter(pk=kept_row.pk).exists()
    with pytest.raises(ApplicationError, match=exactly(CANNOT_RENAME)):
        contact_merge_clash_resolve(
            duplicate=duplicate, key=key(free), action="rename", new_value="X"
        )
    with pytest.raises(ValidationError):
        contact_merge_clash_resolve(duplicate=duplicate, key=key(clashing), action="rename")
    with pytest.raises(ApplicationError, match=exactly("Unknown action.")):
        contact_merge_clash_resolve(duplicate=duplicate, key=key(clashing), action="archive")
