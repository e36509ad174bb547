import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import ContactMailingGroup
from crm.exceptions import ApplicationError
from crm.models import BulkJobStatus
from segments.models import SavedSegmentCriteria
from segments.selectors import EXPORT_COLUMNS, segment_export_rows
from segments.services import (
    segment_criteria_apply,
    segment_criteria_reuse_start,
    segment_criteria_save,
    segment_criteria_start,
    segment_go_back,
    segment_line_add,
    segment_line_delete,
    segment_log_check,
    segment_mailing_group_apply,
    segment_refresh_start,
    segment_update,
)
from tests.factories.contacts import (
    CompanyFactory,
    ContactMailingGroupFactory,
    MailingGroupFactory,
    PersonFactory,
)
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def contacts_of(segment):
    return set(segment.lines.values_list("contact_id", flat=True))


def test_sg1_new_segment_dated_today_with_users_salesperson(new_segment, marketing_user):
    """SG-1: a new segment is numbered, dated today and carries the user's salesperson."""
    salesperson = SalespersonFactory(user=marketing_user)
    segment = new_segment()
    assert segment.number == "SG000001"
    assert segment.date == timezone.localdate()
    assert segment.salesperson == salesperson
    assert new_segment().number == "SG000002"


def test_seg1_blocked_salesperson_refused(new_segment):
    """SEG-1: a blocked salesperson is refused."""
    with pytest.raises(ValidationError, match="blocked"):
        new_segment(salesperson=SalespersonFactory(is_blocked=True))


def test_sg13_manual_line_add_and_delete_are_actions_undone_by_go_back(new_segment):
    """SG-13: a manually added or deleted line is recorded as an action and undone by go back."""
    a, b = CompanyFactory(), CompanyFactory()
    segment = new_segment()
    segment_line_add(segment=segment, contact=a)
    line_b = segment_line_add(segment=segment, contact=b)
    assert [x.action for x in segment.criteria_actions.order_by("position")] == ["add", "add"]
    assert segment.criteria_actions.last().filters == {
        "contact": {"number": {"op": "in", "values": [b.number]}}
    }
    segment_line_delete(line=line_b)
    assert contacts_of(segment) == {a.pk}
    assert segment.criteria_actions.order_by("position").last().action == "reduce"
    segment_go_back(segment=segment)
    assert contacts_of(segment) == {a.pk, b.pk}
    assert segment.lines.get(contact=b).line_no == line_b.line_no
    segment_go_back(segment=segment)
    assert contacts_of(segment) == {a.pk}


def test_seg7_manual_add_of_privacy_blocked_contact_refused(new_segment):
    """SEG-7 / CON-54: adding a privacy-blocked contact by hand is refused."""
    with pytest.raises(ValidationError, match="privacy"):
        segment_line_add(segment=new_segment(), contact=CompanyFactory(is_privacy_blocked=True))


def test_sg14_save_refused_without_actions_and_replay_reproduces(
    new_segment, marketing_user, django_capture_on_commit_callbacks
):
    """SG-14: save is refused without actions; replaying a saved set reproduces the contacts."""
    group = MailingGroupFactory(code="NEWS")
    members = [CompanyFactory(city="Pau") for _ in range(3)]
    for c in members[:2]:
        ContactMailingGroupFactory(contact=c, mailing_group=group)
    CompanyFactory(city="Tours")
    source = new_segment()
    with pytest.raises(ApplicationError, match="no criteria actions"):
        segment_criteria_save(segment=source, code="x")
    segment_criteria_apply(
        segment=source, action="add", filters={"contact": {"city": {"op": "in", "values": ["Pau"]}}}
    )
    segment_criteria_apply(
        segment=source,
        action="refine",
        filters={"mailing_group": {"mailing_group": {"op": "in", "values": ["NEWS"]}}},
    )
    saved = segment_criteria_save(segment=source, code="pau news", description="Pau newsletter")
    assert saved.code == "PAU NEWS"
    assert saved.actions.count() == 2
    with pytest.raises(ApplicationError, match="overwrite"):
        segment_criteria_save(segment=source, code="PAU NEWS")
    segment_criteria_save(segment=source, code="PAU NEWS", overwrite=True)
    assert SavedSegmentCriteria.objects.count() == 1
    target = new_segment()
    with django_capture_on_commit_callbacks(execute=True):
        job = segment_criteria_reuse_start(segment=target, saved=saved, user=marketing_user)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert contacts_of(target) == contacts_of(source) == {members[0].pk, members[1].pk}
    assert target.criteria_actions.count() == 2


def test_sg15_new_header_template_applied_to_all_lines(new_segment):
    """SG-15: a new header template, answered yes, re-derives every line from it."""
    old = InteractionTemplateFactory(code="OLD", unit_cost=1)
    new = InteractionTemplateFactory(code="NEW", unit_cost=7, unit_duration_min=3)
    segment = new_segment(template=old)
    assert segment.unit_cost == 1
    segment_criteria_apply(segment=segment, action="add", filters={})
    CompanyFactory()  # not on the segment
    for c in [CompanyFactory(), CompanyFactory()]:
        segment_line_add(segment=segment, contact=c)
    segment.lines.update(cost=99, template=None)
    segment = segment_update(segment=segment, data={"template": new}, apply_template_to_lines=True)
    assert segment.unit_cost == 7
    assert set(segment.lines.values_list("template_id", "cost", "duration_min")) == {(new.pk, 7, 3)}


def test_seg3_update_lines_only_for_lines_using_header_template(new_segment):
    """SEG-3: "update the lines" changes the lines that use the header's template."""
    template = InteractionTemplateFactory(code="T1")
    segment = new_segment(template=template)
    a, b = CompanyFactory(), CompanyFactory()
    segment_line_add(segment=segment, contact=a)
    segment_line_add(segment=segment, contact=b)
    segment.lines.filter(contact=b).update(template=None)
    segment_update(segment=segment, data={"description": "Autumn"}, update_lines=True)
    assert segment.lines.get(contact=a).description == "Autumn"
    assert segment.lines.get(contact=b).description == "Spring mailing"


def test_sg16_line_salesperson_header_else_contact(new_segment):
    """SG-16: a line's salesperson is the header's when set, else the contact's."""
    own, header = SalespersonFactory(), SalespersonFactory()
    contact = CompanyFactory(salesperson=own)
    with_header = new_segment(salesperson=header)
    segment_line_add(segment=with_header, contact=contact)
    assert with_header.lines.get().salesperson == header
    without = new_segment()
    assert without.salesperson is None
    segment_line_add(segment=without, contact=contact)
    assert without.lines.get().salesperson == own


def test_sg17_line_correspondence_type_three_cases(new_segment):
    """SG-17: header's when it ignores the contact's; template's when the template ignores it
    or the contact has none; else the contact's (SEG-5)."""
    email_contact = CompanyFactory(correspondence_type="email")
    no_pref = CompanyFactory(correspondence_type="")
    letter_tpl = InteractionTemplateFactory(code="LET", correspondence_type="hard_copy")
    ignoring_tpl = InteractionTemplateFactory(
        code="IGN", correspondence_type="hard_copy", ignore_contact_correspondence_type=True
    )
    # 1. the header ignores the contact's type
    seg = new_segment(template=letter_tpl)
    seg = segment_update(
        segment=seg,
        data={"ignore_contact_correspondence_type": True, "correspondence_type": "email"},
    )
    segment_line_add(segment=seg, contact=no_pref)
    assert seg.lines.get().correspondence_type == "email"
    # 2a. the template ignores it
    seg = new_segment(template=ignoring_tpl)
    seg = segment_update(segment=seg, data={"ignore_contact_correspondence_type": False})
    segment_line_add(segment=seg, contact=email_contact)
    assert seg.lines.get().correspondence_type == "hard_copy"
    # 2b. the contact has none; 3. else the contact's
    seg = new_segment(template=letter_tpl)
    segment_line_add(segment=seg, contact=no_pref)
    segment_line_add(segment=seg, contact=email_contact)
    assert seg.lines.get(contact=no_pref).correspondence_type == "hard_copy"
    assert seg.lines.get(contact=email_contact).correspondence_type == "email"


def test_sg24_apply_mailing_group_with_remove_existing(new_segment):
    """SG-24: apply mailing group gives it to every segment contact; "remove existing" first
    removes it from all contacts."""
    group = MailingGroupFactory(code="XMAS")
    outsider, member, already = CompanyFactory(), CompanyFactory(), CompanyFactory()
    ContactMailingGroupFactory(contact=outsider, mailing_group=group)
    ContactMailingGroupFactory(contact=already, mailing_group=group)
    segment = new_segment()
    segment_line_add(segment=segment, contact=member)
    segment_line_add(segment=segment, contact=already)
    assert segment_mailing_group_apply(segment=segment, mailing_group=group)["added"] == 1
    holders = set(
        ContactMailingGroup.objects.filter(mailing_group=group).values_list("contact_id", flat=True)
    )
    assert holders == {outsider.pk, member.pk, already.pk}
    segment_mailing_group_apply(segment=segment, mailing_group=group, remove_existing=True)
    holders = set(
        ContactMailingGroup.objects.filter(mailing_group=group).values_list("contact_id", flat=True)
    )
    assert holders == {member.pk, already.pk}


def test_sg25_export_csv_columns_and_rows(new_segment):
    """SG-25: export produces the SEG-51 header row and one row per line with a contact."""
    company = CompanyFactory(name='Quote "Co", Ltd')
    person = PersonFactory(company=company, first_name="Ann")
    segment = new_segment()
    segment_line_add(segment=segment, contact=company)
    segment_line_add(segment=segment, contact=person)
    rows = list(csv.reader(io.StringIO("".join(segment_export_rows(segment=segment)))))
    assert rows[0] == [
        "number", "external_id", "name", "name_2", "address", "address_2", "county",
        "post_code", "city", "country", "phone", "fax", "territory", "currency", "language",
        "salesperson", "vat_registration_number", "email", "home_page", "type", "company_name",
        "company_number", "first_name", "middle_name", "surname", "job_title", "initials",
        "extension", "mobile_phone", "pager", "organizational_level", "exclude_from_segment",
        "correspondence_type", "salutation",
    ]  # fmt: skip
    assert len(rows) == 3
    assert rows[1][2] == 'Quote "Co", Ltd'
    assert rows[2][0] == person.number
    assert rows[2][21] == company.number
    assert len(EXPORT_COLUMNS) == 34


def test_sg27_refresh_includes_new_member(
    new_segment, marketing_user, django_capture_on_commit_callbacks
):
    """SG-27: after a contact gains mailing group Y, Refresh of a segment built with Y
    includes it; the action list stays the same."""
    group = MailingGroupFactory(code="Y")
    first, later = CompanyFactory(), CompanyFactory()
    ContactMailingGroupFactory(contact=first, mailing_group=group)
    segment = new_segment()
    segment_criteria_apply(
        segment=segment,
        action="add",
        filters={"mailing_group": {"mailing_group": {"op": "in", "values": ["Y"]}}},
    )
    assert contacts_of(segment) == {first.pk}
    ContactMailingGroupFactory(contact=later, mailing_group=group)
    with django_capture_on_commit_callbacks(execute=True):
        job = segment_refresh_start(segment=segment, user=marketing_user)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert contacts_of(segment) == {first.pk, later.pk}
    assert segment.criteria_actions.count() == 1
    # The replayed add records its lines under its own position (decision 0008).
    assert set(segment.lines.values_list("added_by_position", flat=True)) == {1}


def test_sg28_bulk_job_with_progress_and_busy_refusal(
    new_segment, marketing_user, django_capture_on_commit_callbacks
):
    """SG-28: add runs as a bulk job with progress; a second job on a busy segment is refused."""
    CompanyFactory(city="Agen")
    segment = new_segment()
    job = segment_criteria_start(
        segment=segment,
        user=marketing_user,
        action="add",
        filters={"contact": {"city": {"op": "in", "values": ["Agen"]}}},
    )  # not committed yet: the job stays queued and the segment busy
    segment.refresh_from_db()
    assert segment.running_job == job
    with pytest.raises(ApplicationError, match="busy"):
        segment_criteria_start(segment=segment, user=marketing_user, action="reduce")
    with pytest.raises(ApplicationError, match="busy"):
        segment_go_back(segment=segment)
    from segments.services import segment_criteria_job_run

    segment_criteria_job_run(job_id=job.pk)
    job.refresh_from_db()
    segment.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED
    assert (job.done, job.total) == (1, 1)
    assert job.result == {"changed": 1, "lines": 1}
    assert segment.running_job is None
    segment_criteria_job_run(job_id=job.pk)  # redelivered: harmless
    assert segment.lines.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        second = segment_criteria_start(segment=segment, user=marketing_user, action="reduce")
    second.refresh_from_db()
    assert second.status == BulkJobStatus.SUCCEEDED
    assert segment.lines.count() == 0


def test_sg18_log_check_refusals(new_segment):
    """SG-18 (checks only): logging without description or without lines fails; a line whose
    contact became privacy-blocked fails (SG-29)."""
    template = InteractionTemplateFactory(code="LOG")
    salesperson = SalespersonFactory()
    segment = new_segment(description="", template=template, salesperson=salesperson)
    with pytest.raises(ValidationError, match="description"):
        segment_log_check(segment=segment)
    segment = segment_update(segment=segment, data={"description": "Mailing"})
    with pytest.raises(ValidationError, match="no lines"):
        segment_log_check(segment=segment)
    contact = CompanyFactory()
    segment_line_add(segment=segment, contact=contact)
    segment_log_check(segment=segment)
    contact.is_privacy_blocked = True
    contact.save()
    with pytest.raises(ValidationError, match="privacy"):
        segment_log_check(segment=segment)
