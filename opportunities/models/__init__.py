"""Opportunities, sales cycles, quotes, tasks and activities (SPEC 7 and 8).

Rules live in ``services.py``; these modules hold fields, constraints and indexes only.
Opportunities, their entries and tasks reference campaigns by string foreign keys (campaigns
stands higher, STYLE 2); segments are kept as ``segment_number``.

One module per area: ``choices``, ``fields`` (builders, the entry-number sequence),
``cycle``, ``opportunity``, ``quote``, ``task``. Every name stays importable from here.
"""

from .choices import (
    ActionTaken,
    Attendance,
    AttendeeKind,
    AttendeeResponse,
    CloseType,
    OpportunityStatus,
    Priority,
    ProbabilityMethod,
    QuoteStatus,
    RecurringFrom,
    SalesDocumentKind,
    TaskStatus,
    TaskType,
)
from .cycle import Activity, ActivityStep, CloseOpportunityCode, SalesCycle, SalesCycleStage
from .fields import ENTRY_NO_SEQUENCE, NextVal
from .opportunity import OPEN_ENTRY, Opportunity, OpportunityEntry, OpportunityPipelineSummary
from .quote import SalesQuote, SalesQuoteLine
from .task import Attendee, Task, TaskInteractionLanguage

__all__ = [
    "ENTRY_NO_SEQUENCE",
    "OPEN_ENTRY",
    "ActionTaken",
    "Activity",
    "ActivityStep",
    "Attendance",
    "Attendee",
    "AttendeeKind",
    "AttendeeResponse",
    "CloseOpportunityCode",
    "CloseType",
    "NextVal",
    "Opportunity",
    "OpportunityEntry",
    "OpportunityPipelineSummary",
    "OpportunityStatus",
    "Priority",
    "ProbabilityMethod",
    "QuoteStatus",
    "RecurringFrom",
    "SalesCycle",
    "SalesCycleStage",
    "SalesDocumentKind",
    "SalesQuote",
    "SalesQuoteLine",
    "Task",
    "TaskInteractionLanguage",
    "TaskStatus",
    "TaskType",
]
