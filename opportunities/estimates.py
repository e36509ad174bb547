"""Pure rules of the update wizard: estimates (OPP-11) and offered actions (OPP-15)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from setup.dateformula import apply_date_formula

from .models import ProbabilityMethod

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
PERCENT_PLACES = Decimal("0.00001")


@dataclass(frozen=True)
class Estimates:
    chances_percent: Decimal
    completed_percent: Decimal
    probability_percent: Decimal
    calculated_current_value: Decimal
    estimated_close_date: dt.date | None


def probability(method: str, *, chances: Decimal, completed: Decimal) -> Decimal:
    """OPP-11: the probability % of the four methods."""
    if method == ProbabilityMethod.MULTIPLY:
        result = chances * completed / HUNDRED
    elif method == ProbabilityMethod.ADD:
        result = (chances + completed) / 2
    elif method == ProbabilityMethod.CHANCES_OF_SUCCESS:
        result = chances
    else:
        result = completed
    return result.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def estimates_compute(
    *,
    method: str,
    stage_completed: Decimal,
    stage_chances: Decimal,
    stage_date_formula: str,
    estimated_value: Decimal,
    chances_percent: Decimal,
    date_of_change: dt.date,
    estimated_close_date: dt.date | None,
) -> Estimates:
    """OPP-11: chances default to the stage's, close date to date of change + stage formula."""
    chances = Decimal(chances_percent or 0) or Decimal(stage_chances)
    completed = Decimal(stage_completed)
    prob = probability(method, chances=chances, completed=completed)
    current = (Decimal(estimated_value) * prob / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    close = estimated_close_date
    if close is None or close == date_of_change:
        close = apply_date_formula(stage_date_formula or "", date_of_change)
    return Estimates(chances, completed, prob, current, close)


@dataclass
class OfferedActions:
    """OPP-15: each offered action and the stages it may move to."""

    first: list[int] = field(default_factory=list)
    next: list[int] = field(default_factory=list)
    previous: list[int] = field(default_factory=list)
    skip: list[int] = field(default_factory=list)
    jump: list[int] = field(default_factory=list)
    update: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {
            name: getattr(self, name)
            for name in ("first", "next", "previous", "skip", "jump", "update")
            if getattr(self, name)
        }


def offered_actions(*, stages: list[tuple[int, bool]], current: int | None) -> OfferedActions:
    """OPP-15 from the cycle's (stage, allow_skip) pairs and the active entry's stage.

    ``current`` is None when the opportunity has no entry yet.
    """
    ordered = sorted(stages)
    offered = OfferedActions()
    if not ordered:
        return offered
    if current is None:
        offered.first = [ordered[0][0]]
        following = ordered
    else:
        following = [s for s in ordered if s[0] > current]
        earlier = [s[0] for s in ordered if s[0] < current]
        if following:
            offered.next = [following[0][0]]
        if earlier:
            offered.previous = [earlier[-1]]
        if len(earlier) >= 2:
            offered.jump = earlier
        offered.update = [current]
    candidates: list[int] = []
    if following and following[0][1]:
        for number, allow_skip in following:
            candidates.append(number)
            if not allow_skip:
                break
    if len(candidates) >= 2:
        offered.skip = candidates
    return offered
