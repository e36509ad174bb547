"""The scheduled integrity check of segment lines and history (decision 0006: no DB FKs)."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

from contacts.models import Contact
from segments.models import (
    Segment,
    SegmentCriteriaAction,
    SegmentIntegrityReport,
    SegmentInteractionLanguage,
)
from segments.services import (
    segment_criteria_apply,
    segment_go_back,
    segment_integrity_check,
    segment_line_delete,
)
from segments.tasks import segment_integrity_check_task
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db


def raw_delete(model, pk):
    """Delete a row behind the services' and Django's collector's back."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608


@pytest.fixture
def segment_with_lines(new_segment):
    kept, gone = CompanyFactory(city="Vannes"), CompanyFactory(city="Vannes")
    segment = new_segment()
    segment_criteria_apply(
        segment=segment,
        action="add",
        filters={"contact": {"city": {"op": "in", "values": ["Vannes"]}}},
    )
    return segment, kept, gone


def test_a_deleted_contact_leaves_an_orphan_line_that_the_check_reports(
    segment_with_lines, client, marketing_user
):
    """A contact deleted with raw SQL leaves its line: the check finds it (twice, one report)
    and the segments' setup page shows the count and the line."""
    segment, _kept, gone = segment_with_lines
    line_no = segment.lines.get(contact=gone).line_no
    raw_delete(Contact, gone.pk)
    segment_integrity_check_task()
    segment_integrity_check_task()  # idempotent: the same single report
    report = SegmentIntegrityReport.objects.get()
    assert (report.orphan_line_count, report.orphan_history_count) == (1, 0)
    assert report.sample["lines"] == [
        {
            "segment": segment.pk,
            "line_no": line_no,
            "contact": gone.pk,
            "segment_missing": False,
            "contact_missing": True,
        }
    ]
    client.force_login(marketing_user)
    page = client.get(reverse("segments:setup")).content.decode()
    assert "1 segment line refers to a deleted segment or contact." in page
    assert f"<td>{gone.pk}</td>" in page
    with translation.override("fr"):
        page = client.get(reverse("segments:setup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 ligne de segment fait référence à un segment ou un contact supprimé." in page


def test_a_deleted_segment_leaves_orphan_lines_and_history(segment_with_lines):
    """A segment deleted with raw SQL leaves its lines and history: all are counted."""
    segment, kept, _gone = segment_with_lines
    segment_line_delete(line=segment.lines.get(contact=kept))  # one history row
    with connection.cursor() as cursor:  # the tables with database FKs to the segment first
        for model in (SegmentCriteriaAction, SegmentInteractionLanguage):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE segment_id = %s",  # noqa: S608
                [segment.pk],
            )
    raw_delete(Segment, segment.pk)
    segment_integrity_check_task()
    report = SegmentIntegrityReport.objects.get()
    assert (report.orphan_line_count, report.orphan_history_count) == (1, 1)
    assert report.sample["history"][0]["segment_missing"] is True
    assert report.sample["history"][0]["contact"] == kept.pk


def test_a_consistent_database_reports_no_orphans(segment_with_lines, client, marketing_user):
    segment_integrity_check_task()
    report = SegmentIntegrityReport.objects.get()
    assert (report.orphan_line_count, report.orphan_history_count) == (0, 0)
    assert report.duplicate_line_count == 0
    client.force_login(marketing_user)
    page = client.get(reverse("segments:setup")).content.decode()
    assert "No orphan segment lines or history rows." in page
    assert "Every line number is used once in its segment." in page


def test_a_line_number_used_twice_is_reported_in_english_and_french(
    segment_with_lines, client, marketing_user
):
    """Decision 0012: no unique index holds line numbers; a number written twice behind the
    services' back (raw SQL) is found by the check and shown on the setup page."""
    # given
    segment, kept, gone = segment_with_lines
    line_no = segment.lines.get(contact=kept).line_no
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE segments_segmentline SET line_no = %s "
            "WHERE segment_id = %s AND contact_id = %s",
            [line_no, segment.pk, gone.pk],
        )
    # when
    segment_integrity_check_task()
    # then
    report = SegmentIntegrityReport.objects.get()
    assert report.duplicate_line_count == 1
    assert report.sample["duplicates"] == [
        {"segment": segment.pk, "number": segment.number, "line_no": line_no, "lines": 2}
    ]
    client.force_login(marketing_user)
    page = client.get(reverse("segments:setup")).content.decode()
    assert "1 line number is used by more than one line of its segment." in page
    assert f"<td>{line_no}</td>" in page
    with translation.override("fr"):
        page = client.get(reverse("segments:setup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 numéro de ligne est utilisé par plusieurs lignes de son segment." in page


def test_go_back_of_a_refine_gives_each_line_its_number_back_once(new_segment):
    """SEG-24 without a unique index: the re-created lines take back their numbers, and no
    number is held twice afterwards."""
    # given
    for city_name in ("Vannes", "Vannes", "Lorient", "Lorient"):
        CompanyFactory(city=city_name)
    segment = new_segment()
    segment_criteria_apply(
        segment=segment,
        action="add",
        filters={"contact": {"city": {"op": "in", "values": ["Vannes", "Lorient"]}}},
    )
    before = sorted(segment.lines.values_list("line_no", "contact_id"))
    segment_criteria_apply(
        segment=segment,
        action="refine",
        filters={"contact": {"city": {"op": "in", "values": ["Vannes"]}}},
    )
    # when
    segment_go_back(segment=segment)
    # then
    assert sorted(segment.lines.values_list("line_no", "contact_id")) == before
    assert segment_integrity_check().duplicate_line_count == 0


def test_the_check_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["segment-integrity-check"]
    assert entry == {"task": "segments.tasks.segment_integrity_check_task", "schedule": 86400.0}
    assert segment_integrity_check_task.name == entry["task"]
