import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from setup.models import NumberSeriesLine
from setup.numbering import increment
from setup.services import number_series_issue
from tests.factories.setup import NumberSeriesFactory, NumberSeriesLineFactory, series_with_line


@pytest.mark.django_db
def test_first_number_is_the_starting_number_and_keeps_its_pattern():
    series_with_line("CONT", "CT000001")
    assert number_series_issue(series="CONT").number == "CT000001"
    assert number_series_issue(series="CONT").number == "CT000002"


@pytest.mark.django_db
def test_increment_by_and_last_date_used_are_recorded():
    series_with_line("INC", "X-0010", increment_by=5)
    number_series_issue(series="INC", on_date=dt.date(2025, 3, 1))
    issued = number_series_issue(series="INC", on_date=dt.date(2025, 3, 2))
    line = NumberSeriesLine.objects.get(series__code="INC")
    assert issued.number == "X-0015"
    assert line.last_number_used == "X-0015"
    assert line.last_date_used == dt.date(2025, 3, 2)


@pytest.mark.django_db
def test_s7_warning_closing_and_exhaustion():
    """S-7: line CT-000098…CT-000100, warning CT-000099."""
    series_with_line("S7", "CT-000098", ending_number="CT-000100", warning_number="CT-000099")
    first = number_series_issue(series="S7")
    second = number_series_issue(series="S7")
    third = number_series_issue(series="S7")
    assert (first.number, first.warning) == ("CT-000098", "")
    assert second.number == "CT-000099"
    assert "nearly exhausted" in second.warning
    assert third.number == "CT-000100"
    assert NumberSeriesLine.objects.get(series__code="S7").is_open is False
    with pytest.raises(ValidationError, match="No more numbers in series S7"):
        number_series_issue(series="S7")


@pytest.mark.django_db
def test_s7_exhausted_message_when_line_stays_open():
    """S-7: beyond the ending number issuing fails with 'no more numbers'."""
    series = series_with_line("S7B", "A10", ending_number="A50")
    NumberSeriesLine.objects.filter(series=series).update(last_number_used="A50")
    with pytest.raises(ValidationError, match="No more numbers in series S7B"):
        number_series_issue(series="S7B")


@pytest.mark.django_db
def test_s8_line_in_effect_by_date():
    """S-8: A0001 (no start date) and B0001 (from 2025-01-01)."""
    series = NumberSeriesFactory(code="S8")
    NumberSeriesLineFactory(series=series, starting_number="A0001")
    NumberSeriesLineFactory(
        series=series, starting_number="B0001", starting_date=dt.date(2025, 1, 1)
    )
    assert number_series_issue(series="S8", on_date=dt.date(2024, 12, 31)).number == "A0001"
    assert number_series_issue(series="S8", on_date=dt.date(2025, 1, 1)).number == "B0001"


@pytest.mark.django_db
def test_no_open_line_on_the_date_fails():
    series = NumberSeriesFactory(code="LATE")
    NumberSeriesLineFactory(
        series=series, starting_number="L001", starting_date=dt.date(2030, 1, 1)
    )
    with pytest.raises(ValidationError, match="No open number series line for LATE on 2029"):
        number_series_issue(series="LATE", on_date=dt.date(2029, 1, 1))


@pytest.mark.django_db
def test_s9_overflow_and_prefix_with_digits():
    """S-9: X99 overflows; 2025-A0099 → 2025-A0100."""
    series = series_with_line("S9", "X01")
    NumberSeriesLine.objects.filter(series=series).update(last_number_used="X99")
    with pytest.raises(ValidationError, match="Number series S9 overflows"):
        number_series_issue(series="S9")
    assert increment("2025-A0099", 1) == "2025-A0100"
    series_with_line("S9B", "2025-A0001")
    NumberSeriesLine.objects.filter(series__code="S9B").update(last_number_used="2025-A0099")
    assert number_series_issue(series="S9B").number == "2025-A0100"


@pytest.mark.django_db
def test_date_order_refuses_an_earlier_date():
    series_with_line("DO", "D001", date_order=True)
    number_series_issue(series="DO", on_date=dt.date(2025, 5, 2))
    with pytest.raises(ValidationError, match="requires dates in order"):
        number_series_issue(series="DO", on_date=dt.date(2025, 5, 1))


@pytest.mark.django_db
def test_missing_series_is_reported():
    with pytest.raises(ValidationError, match="Number series NOPE does not exist"):
        number_series_issue(series="NOPE")


@pytest.mark.django_db
def test_set10_line_numbers_must_share_the_pattern():
    series = NumberSeriesFactory(code="SHAPE")
    line = NumberSeriesLine(series=series, starting_number="CT0001", ending_number="CX0009")
    with pytest.raises(ValidationError) as exc:
        line.full_clean()
    assert "ending_number" in exc.value.message_dict
    bad_order = NumberSeriesLine(
        series=series, starting_number="CT0005", ending_number="CT0009", warning_number="CT0001"
    )
    with pytest.raises(ValidationError) as exc:
        bad_order.full_clean()
    assert "warning_number" in exc.value.message_dict
    no_digit = NumberSeriesLine(series=series, starting_number="ABC")
    with pytest.raises(ValidationError, match="must contain a digit"):
        no_digit.full_clean()


@pytest.mark.django_db(transaction=True)
def test_s6_rolled_back_issue_does_not_use_up_its_number():
    """S-6 (second half): a creation that rolls back does not use up its number."""
    series_with_line("RB", "R0001")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_series_issue(series="RB").number == "R0001"
        raise RuntimeError("insert failed")
    assert number_series_issue(series="RB").number == "R0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_gap_free_numbers():
    """S-6: 8 concurrent threads × 500 issues → 4,000 distinct consecutive numbers."""
    series_with_line("CONC", "N000001")
    threads, per_thread = 8, 500
    results: list[list[str]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    results[index].append(number_series_issue(series="CONC").number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    assert not errors
    numbers = [n for chunk in results for n in chunk]
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert sorted(numbers) == [f"N{i:06d}" for i in range(1, threads * per_thread + 1)]
