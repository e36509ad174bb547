"""The pipeline summary (board totals, forecast) stays equal to a GROUP BY over open active
entries, whatever sequence of writes produced them."""

import datetime as dt
import random
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.sql import column, columns, table
from opportunities import services
from opportunities.models import (
    OPEN_ENTRY,
    Opportunity,
    OpportunityEntry,
    OpportunityPipelineSummary,
    OpportunityStatus,
)
from opportunities.selectors import (
    forecast_by_month,
    pipeline_board,
    sales_cycle_list,
    sales_cycle_statistics,
)
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import (
    CloseOpportunityCodeFactory,
    cycle_with_stages,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
STEPS = 60


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


def _expected() -> dict:
    """The truth: open active entries grouped by the summary's key."""
    return {
        (r["sales_cycle_id"], r["stage"], r["salesperson_id"], r["month"]): (
            r["n"],
            r["ev"],
            r["cv"],
        )
        for r in OpportunityEntry.objects.filter(OPEN_ENTRY)
        .annotate(month=TruncMonth("estimated_close_date"))
        .values("sales_cycle_id", "stage", "salesperson_id", "month")
        .annotate(n=Count("id"), ev=Sum("estimated_value"), cv=Sum("calculated_current_value"))
        .order_by()
    }


def _summary() -> dict:
    return {
        (r.sales_cycle_id, r.stage, r.salesperson_id, r.close_month): (
            r.count,
            r.estimated_value,
            r.calculated_current_value,
        )
        for r in OpportunityPipelineSummary.objects.filter(count__gt=0)
    }


def _assert_consistent() -> None:
    assert _summary() == _expected()
    assert (
        not OpportunityPipelineSummary.objects.filter(count=0)
        .exclude(estimated_value=0, calculated_current_value=0)
        .exists()
    )


def _step(rng: random.Random, *, cycles, salespeople, codes) -> None:
    opportunities = list(Opportunity.objects.order_by("pk"))
    kind = rng.choice(
        ["create", "create", "move", "move", "update", "close", "delete", "edit", "bulk"]
    )
    if kind == "create" or not opportunities:
        services.opportunity_create(
            description="Deal",
            contact=CompanyFactory(),
            salesperson=rng.choice(salespeople),
            sales_cycle=rng.choice(cycles),
            activate_first_stage=rng.random() < 0.7,
            estimated_value=Decimal(rng.randrange(100, 10_000)),
            estimated_close_date=TODAY + dt.timedelta(days=rng.randrange(0, 120)),
        )
        return
    opportunity = rng.choice(opportunities)
    if kind == "move":
        offered = services.opportunity_offered_actions(opportunity=opportunity)
        stages = sorted({s for targets in offered.values() for s in targets})
        if stages:
            services.opportunity_board_move(opportunity=opportunity, to_stage=rng.choice(stages))
    elif kind == "update":
        offered = services.opportunity_offered_actions(opportunity=opportunity)
        if offered.get("update"):
            services.opportunity_update(
                opportunity=opportunity,
                action="update",
                date_of_change=TODAY,
                estimated_value=Decimal(rng.randrange(100, 10_000)),
                estimated_close_date=TODAY + dt.timedelta(days=rng.randrange(0, 120)),
            )
    elif kind == "close" and not opportunity.is_closed:
        close_type = rng.choice(["won", "lost"])
        services.opportunity_close(
            opportunity=opportunity,
            close_type=close_type,
            close_code=codes[close_type],
            date_of_change=TODAY,
            calculated_current_value=Decimal(500),
        )
    elif kind == "delete" and opportunity.status != OpportunityStatus.IN_PROGRESS:
        services.opportunity_delete(opportunity=opportunity)
    elif kind == "edit":
        services.opportunity_edit(
            opportunity=opportunity, data={"salesperson": rng.choice(salespeople)}
        )
    elif kind == "bulk":  # a set-based write outside the wizard: the triggers see it too
        OpportunityEntry.objects.filter(is_active=True, pk__gt=rng.randrange(0, 50)).update(
            estimated_close_date=TODAY + dt.timedelta(days=rng.randrange(0, 120))
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_keep_summary_equal_to_group_by(seed):
    # given
    rng = random.Random(seed)
    cycles = [cycle_with_stages(4, allow_skip=True), cycle_with_stages(3)]
    salespeople = [SalespersonFactory(), SalespersonFactory()]
    codes = {
        "won": CloseOpportunityCodeFactory(type="won"),
        "lost": CloseOpportunityCodeFactory(type="lost"),
    }
    # when / then
    for _ in range(STEPS):
        try:
            with transaction.atomic():
                _step(rng, cycles=cycles, salespeople=salespeople, codes=codes)
        except ValidationError:
            pass  # refused by a rule: nothing written
        _assert_consistent()
    services.opportunity_delete_closed()
    _assert_consistent()
    assert OpportunityEntry.objects.filter(OPEN_ENTRY).exists()


def test_rolled_back_write_leaves_summary_unchanged():
    cycle = cycle_with_stages(2)
    salesperson = SalespersonFactory()
    services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=salesperson,
        sales_cycle=cycle,
        activate_first_stage=True,
        estimated_value=Decimal(1000),
    )
    before = _summary()
    with pytest.raises(RuntimeError), transaction.atomic():
        OpportunityEntry.objects.update(stage=2)
        raise RuntimeError
    assert _summary() == before == _expected()


def test_summary_out_of_step_raises():
    """A negative total means a write the triggers missed: the writing statement fails."""
    cycle = cycle_with_stages(1)
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(),
        salesperson=SalespersonFactory(),
        sales_cycle=cycle,
        activate_first_stage=True,
        estimated_value=Decimal(1000),
    )
    OpportunityPipelineSummary.objects.all().delete()
    with pytest.raises(ProgrammingError, match="out of step"), transaction.atomic():
        OpportunityEntry.objects.filter(opportunity=opportunity).delete()


def test_board_and_forecast_read_summary_with_cut_months():
    # given: entries closing on the 10th and the 25th of next month, one without a date
    cycle = cycle_with_stages(2)
    me, other = SalespersonFactory(), SalespersonFactory()
    first = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    for salesperson, day, value in [(me, 10, 1000), (me, 25, 3000), (other, 25, 5000)]:
        services.opportunity_create(
            description="Deal",
            contact=CompanyFactory(),
            salesperson=salesperson,
            sales_cycle=cycle,
            activate_first_stage=True,
            creation_date=TODAY,
            estimated_value=Decimal(value),
            estimated_close_date=first.replace(day=day),
        )
    undated = OpportunityEntry.objects.filter(opportunity__salesperson=other).get()
    with connection.cursor() as cursor:  # no rule leaves it blank; the data may still
        cursor.execute(
            "UPDATE opportunities_opportunityentry SET estimated_close_date = NULL WHERE id = %s",
            [undated.pk],
        )
    # when / then
    assert [c["count"] for c in pipeline_board(cycle=cycle)] == [3, 0]
    assert [c["count"] for c in pipeline_board(cycle=cycle, salesperson=me)] == [2, 0]
    [whole] = forecast_by_month(cycle=cycle)
    assert (whole["month"], whole["count"], whole["estimated_value"]) == (first, 2, 4000)
    [cut] = forecast_by_month(date_from=first.replace(day=11))
    assert (cut["month"], cut["count"], cut["estimated_value"]) == (first, 1, 3000)
    [cut] = forecast_by_month(date_to=first.replace(day=11), salesperson=me)
    assert (cut["count"], cut["estimated_value"]) == (1, 1000)
    [both] = forecast_by_month(date_from=first.replace(day=5), date_to=first.replace(day=25))
    assert both["count"] == 2
    assert forecast_by_month(date_from=first.replace(day=11), date_to=first.replace(day=24)) == []
    assert forecast_by_month(date_from=first.replace(day=2), date_to=first.replace(day=1)) == []
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    [month] = forecast_by_month(date_from=first, date_to=last)
    assert month["count"] == 2


def test_sales_cycle_figures_count_open_active_entries():
    """SPEC 10.6: a cycle's figures are its open active entries (won/lost left out)."""
    # given
    cycle, empty = cycle_with_stages(3), cycle_with_stages(2)
    opportunities = [
        services.opportunity_create(
            description="Deal",
            contact=CompanyFactory(),
            salesperson=SalespersonFactory(),
            sales_cycle=cycle,
            activate_first_stage=True,
            estimated_value=Decimal(value),
        )
        for value in (1000, 2000)
    ]
    services.opportunity_close(
        opportunity=opportunities[1],
        close_type="lost",
        close_code=CloseOpportunityCodeFactory(type="lost"),
        date_of_change=TODAY,
    )
    # when
    listed = {c.pk: (c.stage_count, c.open_count) for c in sales_cycle_list()}
    statistics = sales_cycle_statistics(cycle=cycle)
    # then
    assert listed[cycle.pk] == (3, 1) and listed[empty.pk] == (2, 0)
    assert (statistics["count"], statistics["estimated_value"]) == (1, 1000)
    assert sales_cycle_statistics(cycle=empty)["count"] == 0


_MOVE_FIELDS = (
    "created_at",
    "updated_at",
    "opportunity",
    "sales_cycle",
    "contact",
    "contact_company",
    "salesperson",
    "date_of_change",
    "days_open",
    "action_taken",
    "estimated_value",
    "calculated_current_value",
    "completed_percent",
    "chances_percent",
    "probability_percent",
    "estimated_close_date",
    "cancel_old_tasks",
)
WAIT = 30  # seconds: only a bound against a hang, never part of the interleaving


def _deactivate(entry_id: int) -> None:
    """The first statement of a move (OPP-12): the current entry becomes inactive."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(OpportunityEntry)} SET {column(OpportunityEntry, 'is_active')} = false"  # noqa: S608
            f" WHERE {column(OpportunityEntry, 'id')} = %s",
            [entry_id],
        )


def _insert_at_stage(entry_id: int, stage: int) -> None:
    """The second statement of a move: the new active entry at ``stage``."""
    fields = columns(OpportunityEntry, *_MOVE_FIELDS)
    target = f"{fields}, {columns(OpportunityEntry, 'stage', 'is_active')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(OpportunityEntry)} ({target})"  # noqa: S608
            f" SELECT {fields}, %s, true FROM {table(OpportunityEntry)}"
            f" WHERE {column(OpportunityEntry, 'id')} = %s",
            [stage, entry_id],
        )


def _wait_state(pid: int) -> tuple[str | None, str | None]:
    """What backend ``pid`` is waiting for (from another connection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, None)


@pytest.mark.django_db(transaction=True)
def test_opposite_moves_of_one_salesperson_queue_instead_of_deadlocking():
    """Two moves in opposite directions (1 → 2 and 2 → 1) of one salesperson's cards, forced
    into the interleaving that deadlocks on the summary rows without the group lock: A
    deactivates its entry, then B starts its move, then A inserts. With the lock (migration
    0008) B's first statement waits on A's advisory lock and runs after A commits."""
    # given: two cards of one salesperson, same close month, at stages 1 and 2
    cycle = cycle_with_stages(2)
    salesperson = SalespersonFactory()
    entries = []
    for stage in (1, 2):
        opportunity = services.opportunity_create(
            description="Deal",
            contact=CompanyFactory(),
            salesperson=salesperson,
            sales_cycle=cycle,
            activate_first_stage=True,
            estimated_value=Decimal(1000),
            estimated_close_date=TODAY,
        )
        if stage == 2:
            services.opportunity_update(
                opportunity=opportunity,
                action="next",
                date_of_change=TODAY,
                estimated_value=Decimal(1000),
                estimated_close_date=TODAY,
            )
        entries.append(OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).pk)
    errors: list[Exception] = []
    a_deactivated, b_deactivated, a_may_insert = (threading.Event() for _ in range(3))
    b_pid: list[int] = []

    def move_a() -> None:  # 1 → 2
        try:
            with transaction.atomic():
                _deactivate(entries[0])
                a_deactivated.set()
                assert a_may_insert.wait(WAIT)
                _insert_at_stage(entries[0], 2)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            a_deactivated.set()
            connection.close()

    def move_b() -> None:  # 2 → 1, started once A holds its first statement's locks
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    b_pid.append(cursor.fetchone()[0])
                assert a_deactivated.wait(WAIT)
                _deactivate(entries[1])
                b_deactivated.set()
                _insert_at_stage(entries[1], 1)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            b_deactivated.set()
            connection.close()

    # when: A's second statement runs only once B's first has either finished (no group
    # lock: the deadlocking order) or is queued behind A (B's backend waits on a lock)
    threads = [threading.Thread(target=move_a), threading.Thread(target=move_b)]
    for thread in threads:
        thread.start()
    assert a_deactivated.wait(WAIT)
    deadline = time.monotonic() + WAIT
    b_waited_on = (None, None)
    while time.monotonic() < deadline and not b_deactivated.wait(0.01):  # poll every 10 ms
        if b_pid and (state := _wait_state(b_pid[0]))[0] == "Lock":
            b_waited_on = state
            break
    a_may_insert.set()
    for thread in threads:
        thread.join(timeout=WAIT)
    # then: B queued on A's advisory lock; both moves committed; the summary is exact
    assert errors == []
    assert b_waited_on == ("Lock", "advisory")
    _assert_consistent()
    assert [c["count"] for c in pipeline_board(cycle=cycle)] == [1, 1]
