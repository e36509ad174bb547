"""SEG-23/24 as bent by decision 0008: an add's lines carry the action's position."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segments.models import HistoryChange, SegmentHistory, SegmentLine
from segments.services import header, segment_criteria_apply, segment_go_back, segment_line_delete
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db


def contacts_of(segment):
    return set(segment.lines.values_list("contact_id", flat=True))


def add(segment, city):
    return segment_criteria_apply(
        segment=segment, action="add", filters={"contact": {"city": {"op": "in", "values": [city]}}}
    )


def test_seg23_add_writes_no_history_rows_and_marks_its_lines(new_segment):
    """SEG-23: an add is recorded as its action; its lines carry the action's position."""
    a, b = CompanyFactory(city="Vannes"), CompanyFactory(city="Vannes")
    segment = new_segment()
    action, count = add(segment, "Vannes")
    assert count == 2
    assert not SegmentHistory.objects.filter(segment=segment).exists()
    assert set(segment.lines.values_list("contact_id", "added_by_position")) == {
        (a.pk, action.position),
        (b.pk, action.position),
    }


def test_seg24_go_back_of_an_add_deletes_exactly_its_lines(new_segment):
    """SEG-24: going back over an add deletes the lines carrying its position, no others."""
    a, b = CompanyFactory(city="Vannes"), CompanyFactory(city="Rennes")
    segment = new_segment()
    add(segment, "Vannes")
    add(segment, "Rennes")
    segment_go_back(segment=segment)
    assert contacts_of(segment) == {a.pk}
    assert segment.criteria_actions.count() == 1
    assert b.pk not in contacts_of(segment)


def test_seg24_restored_lines_keep_their_adding_action(new_segment):
    """SEG-24: a line restored by going back over a reduce (or a deleted line) keeps the
    position of the add that inserted it, so going back over that add removes it again."""
    a, b = CompanyFactory(city="Vannes"), CompanyFactory(city="Rennes")
    segment = new_segment()
    add(segment, "Vannes")
    second, _count = add(segment, "Rennes")
    line = segment.lines.get(contact=b)
    segment_line_delete(line=line)
    history = SegmentHistory.objects.get(segment=segment, change=HistoryChange.DELETED)
    assert history.added_by_position == second.position
    segment_go_back(segment=segment)  # undo the line deletion
    assert segment.lines.get(contact=b).added_by_position == second.position
    segment_go_back(segment=segment)  # undo the second add
    assert contacts_of(segment) == {a.pk}


def test_seg24_go_back_of_an_add_recorded_in_history_before_0008(new_segment):
    """SEG-24: lines added before decision 0008 (no position, ``inserted`` history rows)
    are still removed by going back over their add."""
    a, b = CompanyFactory(city="Vannes"), CompanyFactory(city="Rennes")
    segment = new_segment()
    add(segment, "Vannes")
    old, _count = add(segment, "Rennes")
    line = segment.lines.get(contact=b)
    SegmentLine.objects.filter(pk=line.pk).update(added_by_position=None)
    SegmentHistory.objects.create(
        segment=segment,
        action_position=old.position,
        line_no=line.line_no,
        contact_id=b.pk,
        change=HistoryChange.INSERTED,
    )
    segment_go_back(segment=segment)
    assert contacts_of(segment) == {a.pk}
    assert not SegmentHistory.objects.filter(segment=segment).exists()


def test_a_bulk_add_analyzes_the_lines_table(new_segment, monkeypatch):
    """A bulk action that changes a large share of the lines runs ANALYZE on them in the
    same transaction (a following query must not plan with stale statistics)."""
    CompanyFactory(city="Vannes")
    segment = new_segment()
    monkeypatch.setattr(header, "ANALYZE_AFTER_ROWS", 1)
    with CaptureQueriesContext(connection) as ctx:
        add(segment, "Vannes")
    analyzed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    # only the columns the segments' queries plan with (decision 0012: half the time)
    lines = connection.ops.quote_name(SegmentLine._meta.db_table)
    assert analyzed == [
        f"ANALYZE {lines} ({', '.join(header.ANALYZE_COLUMNS[SegmentLine._meta.db_table])})"
    ]


def test_a_small_add_does_not_analyze(new_segment):
    """Below ANALYZE_AFTER_ROWS no ANALYZE runs (it would cost more than it saves)."""
    CompanyFactory(city="Vannes")
    segment = new_segment()
    with CaptureQueriesContext(connection) as ctx:
        add(segment, "Vannes")
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]


def test_the_analyze_after_a_bulk_add_samples_with_a_small_statistics_target(
    new_segment, monkeypatch
):
    """Decision 0012: the in-transaction ANALYZE keeps a short histogram (autovacuum's own
    ANALYZE follows with the full target) and leaves the setting as it found it."""
    # given
    for _ in range(12):
        CompanyFactory(city="Vannes")
    segment = new_segment()
    monkeypatch.setattr(header, "ANALYZE_AFTER_ROWS", 1)
    monkeypatch.setattr(header, "ANALYZE_STATISTICS_TARGET", 2)
    # when
    add(segment, "Vannes")
    # then
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cardinality(histogram_bounds::text::text[]) FROM pg_stats "
            "WHERE tablename = %s AND attname = 'contact_id'",
            [SegmentLine._meta.db_table],
        )
        assert cursor.fetchone()[0] <= 3
        cursor.execute("SHOW default_statistics_target")
        assert cursor.fetchone()[0] == "100"
