"""Writes of the opportunities area: opportunities, entries, quotes (SPEC 7).

Tasks, meetings and activities are in ``task_services.py``. Campaigns and segments stand
higher (STYLE 2): they are passed in as instances, or read through the app registry.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from contacts import links
from contacts.models import CommentLine, CommentTargetKind, Contact, ContactBusinessRelation
from crm.concurrency import ensure_not_stale
from crm.history import field_changes_record, history_snapshot
from crm.services import model_update
from interactions.models import DocumentKind, InteractionLogEntry, InteractionLogEntryComment
from interactions.services import interaction_log_document
from setup.models import CustomerTemplate, LinkType, MarketingSetup, Salesperson
from setup.services import (
    number_assign,
    number_series_issue,
    salesperson_for_user,
    salesperson_validate_choosable,
)

from .estimates import estimates_compute, offered_actions
from .models import (
    ActionTaken,
    CloseOpportunityCode,
    CloseType,
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    Priority,
    QuoteStatus,
    SalesCycle,
    SalesCycleStage,
    SalesDocumentKind,
    SalesQuote,
    SalesQuoteLine,
)

ACTION_LABELS = [
    ("first", gettext_lazy("First stage")),
    ("next", gettext_lazy("Next stage")),
    ("previous", gettext_lazy("Previous stage")),
    ("skip", gettext_lazy("Skip stages")),
    ("jump", gettext_lazy("Jump back")),
    ("update", gettext_lazy("Update estimates")),
]
MSG_CYCLE_BLOCKED = gettext_noop("Sales cycle %(code)s is blocked.")
MSG_NO_STAGES = gettext_noop("Sales cycle %(code)s has no stages.")
MSG_CLOSED = gettext_noop("Opportunity %(number)s is closed.")
MSG_ACTION_NOT_OFFERED = gettext_noop("Action %(action)s to stage %(stage)s is not possible now.")
MSG_DATE_EARLIER = gettext_noop("The date of change must not be earlier than %(date)s.")
MSG_VALUE = gettext_noop("The estimated value must be greater than 0.")
MSG_CHANCES = gettext_noop("The chances of success must be greater than 0.")
MSG_CLOSE_DATE = gettext_noop(
    "The estimated close date must not be earlier than the date of change."
)
MSG_BOARD_NOT_REACHABLE = gettext_noop(
    "Stage %(to)s cannot be reached from stage %(from)s: only the next stage, the stages that "
    "allow skipping and earlier stages can."
)
MSG_QUOTE_REQUIRED = gettext_noop("Stage %(stage)s requires a sales quote.")
MSG_SALES_AMOUNT = gettext_noop("Sales amount must be greater than 0.")
MSG_QUOTE_NO_AMOUNT = gettext_noop(
    "Sales amount must be greater than 0: it comes from sales quote %(quote)s, whose amount "
    "is 0. Open the quote, enter its lines (quantity and unit price), then close again."
)
MSG_CLOSE_CODE_TYPE = gettext_noop("Close code %(code)s is not of type %(type)s.")
MSG_WON_NEEDS_COMPANY = gettext_noop("Contact %(number)s does not belong to a company.")
MSG_DELETE_IN_PROGRESS = gettext_noop(
    "Opportunity %(number)s is in progress and cannot be deleted."
)
MSG_NOT_SAME_COMPANY = gettext_noop("Contact %(number)s does not belong to company %(company)s.")
MSG_CYCLE_CHANGE = gettext_noop("The sales cycle can be changed only before the first stage.")
MSG_PRIVACY = gettext_noop("Contact %(number)s %(name)s is blocked due to privacy.")
MSG_QUOTE_STATUS = gettext_noop("A sales quote needs an opportunity in progress.")
MSG_QUOTE_LINKED = gettext_noop("Quote %(quote)s is already linked to opportunity %(number)s.")
MSG_DOCUMENT_LINKED = gettext_noop("Opportunity %(number)s already has a sales document.")
MSG_QUOTE_NEEDS_COMPANY = gettext_noop(
    "Contact %(number)s is neither a company nor a person of a company."
)
MSG_ACCEPT_NEEDS_CUSTOMER = gettext_noop("Create the customer first.")
MSG_QUOTE_NOT_OPEN = gettext_noop("Quote %(quote)s is not open.")
MSG_SETUP_FIELD = gettext_noop("Set %(field)s in Marketing setup.")
MSG_CUSTOMER_EXISTS = gettext_noop("Contact %(number)s already has a customer link.")
MSG_CAMPAIGN_NOT_ACTIVATED = gettext_noop(
    "Campaign %(number)s is not activated; activate its special prices first."
)
MSG_CAMPAIGN_DATES = gettext_noop(
    "The creation date %(date)s is not within the dates of campaign %(number)s."
)
MSG_SEGMENT_CAMPAIGN = gettext_noop(
    "Campaign %(campaign)s differs from campaign %(segment_campaign)s of segment %(number)s."
)
MSG_ENTRY_CANCELED = gettext_noop("Interaction %(entry_no)s is canceled.")
MSG_ENTRY_POSTPONED = gettext_noop("Interaction %(entry_no)s is not finished.")
MSG_ENTRY_LINKED = gettext_noop("Interaction %(entry_no)s already has opportunity %(number)s.")
MSG_ENTRY_NO_CONTACT = gettext_noop("Interaction %(entry_no)s has no contact.")

OPPORTUNITY_UPDATE_FIELDS = [
    "description",
    "priority",
    "salesperson",
    "contact",
    "sales_cycle",
    "segment_number",
    "creation_date",
    "campaign",
]


def _today() -> dt.date:
    return timezone.localdate()


def contact_company_of(contact: Contact | None) -> Contact | None:
    """A company is its own company; a person's is its employer or none."""
    if contact is None:
        return None
    if contact.is_company:
        return contact
    return contact.company if contact.company_id else None


def contact_validate_not_privacy_blocked(contact: Contact, *, field: str = "contact") -> None:
    """CON-52: a privacy-blocked contact (or person of such a company) cannot be used."""
    company = contact_company_of(contact)
    if contact.is_privacy_blocked or (company is not None and company.is_privacy_blocked):
        raise ValidationError(
            {field: _(MSG_PRIVACY) % {"number": contact.number, "name": contact.name}},
            code="privacy_blocked",
        )


def opportunity_campaign_validate(*, campaign: Any, creation_date: dt.date) -> None:
    """OPP-5 / CA-8: an opportunity's campaign is activated (CMP-22: it has target rows) and
    its dates hold the creation date; without an ending date it is refused (source)."""
    if campaign is None:
        return
    if not campaign.target_groups.exists():
        raise ValidationError(
            {"campaign": _(MSG_CAMPAIGN_NOT_ACTIVATED) % {"number": campaign.number}},
            code="campaign_not_activated",
        )
    start, end = campaign.starting_date, campaign.ending_date
    if start is None or end is None or not start <= creation_date <= end:
        raise ValidationError(
            {
                "campaign": _(MSG_CAMPAIGN_DATES)
                % {"date": creation_date, "number": campaign.number}
            },
            code="campaign_dates",
        )


def _segment_model():
    """``segments.Segment``, resolved lazily: segments stand higher (STYLE 2), so the check
    of OPP-6 reads it through the app registry instead of an import."""
    return apps.get_model("segments", "Segment")


def opportunity_segment_campaign_validate(*, segment_number: str, campaign: Any) -> None:
    """OPP-6: with both a segment and a campaign, a segment that has a campaign must have
    this one."""
    if not segment_number or campaign is None:
        return
    segment = (
        _segment_model()
        .objects.filter(number=segment_number)
        .values("campaign_id", "campaign__number")
        .first()
    )
    if segment and segment["campaign_id"] and segment["campaign_id"] != campaign.pk:
        raise ValidationError(
            {
                "segment_number": _(MSG_SEGMENT_CAMPAIGN)
                % {
                    "campaign": campaign.number,
                    "segment_campaign": segment["campaign__number"],
                    "number": segment_number,
                }
            },
            code="segment_campaign",
        )


def _campaign_single_segment(campaign: Any) -> str | None:
    """OPP-5: the number of the campaign's only unlogged segment, or None."""
    numbers = list(
        _segment_model().objects.filter(campaign=campaign).values_list("number", flat=True)[:2]
    )
    return numbers[0] if len(numbers) == 1 else None


def _cycle_validate(cycle: SalesCycle | None) -> None:
    if cycle is None:
        raise ValidationError({"sales_cycle": _("A sales cycle is required.")}, code="required")
    if cycle.is_blocked:
        raise ValidationError(
            {"sales_cycle": _(MSG_CYCLE_BLOCKED) % {"code": cycle.code}}, code="cycle_blocked"
        )


def _stages(cycle: SalesCycle) -> list[SalesCycleStage]:
    return list(SalesCycleStage.objects.filter(sales_cycle=cycle).order_by("stage"))


def active_entry(opportunity: Opportunity) -> OpportunityEntry | None:
    return OpportunityEntry.objects.filter(opportunity=opportunity, is_active=True).first()


# --------------------------------------------------------------------------------------------
# Create and edit (OPP-1…4, OPP-7, OPP-10)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *,
    description: str,
    contact: Contact | None,
    salesperson: Salesperson | None = None,
    sales_cycle: SalesCycle | None = None,
    user=None,
    priority: str = Priority.NORMAL,
    creation_date: dt.date | None = None,
    segment_number: str = "",
    typed_number: str = "",
    activate_first_stage: bool = False,
    estimated_value: Decimal = Decimal(0),
    chances_percent: Decimal = Decimal(0),
    estimated_close_date: dt.date | None = None,
    campaign: Any = None,
) -> Opportunity:
    """OPP-1…5 and OPP-21 (without segments); ``activate_first_stage`` runs OPP-20.

    ``campaign`` is a ``campaigns.Campaign`` (a higher app: no import, STYLE 2)."""
    errors: dict[str, str] = {}
    if not (description or "").strip():
        errors["description"] = _("The description is required.")
    if contact is None:
        errors["contact"] = _("A contact is required.")
    salesperson = salesperson or salesperson_for_user(user)
    if salesperson is None:
        errors["salesperson"] = _("A salesperson is required.")
    if sales_cycle is None:  # OPP-3
        default = MarketingSetup.load().default_sales_cycle
        if default is not None and not default.is_blocked:
            sales_cycle = default
    if sales_cycle is None:
        errors["sales_cycle"] = _("A sales cycle is required.")
    if errors:
        raise ValidationError(errors, code="required")
    _cycle_validate(sales_cycle)
    salesperson_validate_choosable(salesperson)
    creation_date = creation_date or _today()
    opportunity_campaign_validate(campaign=campaign, creation_date=creation_date)
    opportunity_segment_campaign_validate(segment_number=segment_number, campaign=campaign)
    issued = number_assign(
        setup_field="opportunity_series", model=Opportunity, typed_number=typed_number
    )
    opportunity = Opportunity(
        number=issued.number,
        number_series=issued.series,
        description=description.strip(),
        salesperson=salesperson,
        contact=contact,
        contact_company=contact_company_of(contact),
        sales_cycle=sales_cycle,
        creation_date=creation_date,
        priority=priority or Priority.NORMAL,
        segment_number=segment_number,
        campaign=campaign,
    )
    opportunity.full_clean()
    opportunity.save()
    if activate_first_stage:
        opportunity_update(
            opportunity=opportunity,
            action="first",
            date_of_change=opportunity.creation_date,
            estimated_value=estimated_value,
            chances_percent=chances_percent,
            estimated_close_date=estimated_close_date,
        )
        opportunity.refresh_from_db()
    return opportunity


@transaction.atomic
def opportunity_edit(
    *,
    opportunity: Opportunity,
    data: dict[str, Any],
    reassign_tasks: bool = False,
    move_campaign_tasks: bool = False,
    user=None,
    expected_version: str | None = None,
) -> Opportunity:
    """Edit header fields: OPP-4 (contact, cycle), OPP-7 (salesperson, open tasks) and
    OPP-5/6 (campaign: checked, set on the active entry, open tasks of the old campaign
    moved when ``move_campaign_tasks``, segment number taken from the new campaign's only
    unlogged segment; segment and campaign must agree).

    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused.
    """
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    data = {k: v for k, v in data.items() if k in OPPORTUNITY_UPDATE_FIELDS}
    ensure_not_stale(
        instance=opportunity, expected_version=expected_version, fields=list(data), data=data
    )
    before = history_snapshot(opportunity)
    old_salesperson = opportunity.salesperson
    old_campaign_id = opportunity.campaign_id
    campaign_changed = "campaign" in data and (
        (data["campaign"].pk if data["campaign"] else None) != old_campaign_id
    )
    if campaign_changed:  # OPP-5
        opportunity_campaign_validate(
            campaign=data["campaign"],
            creation_date=data.get("creation_date") or opportunity.creation_date,
        )
        segment_changed = data.get("segment_number", opportunity.segment_number) != (
            opportunity.segment_number
        )
        if data["campaign"] is not None and not segment_changed:
            single = _campaign_single_segment(data["campaign"])
            if single is not None:
                data["segment_number"] = single
    opportunity_segment_campaign_validate(  # OPP-6
        segment_number=data.get("segment_number", opportunity.segment_number),
        campaign=data.get("campaign", opportunity.campaign),
    )
    if "sales_cycle" in data and data["sales_cycle"] != opportunity.sales_cycle:
        if opportunity.status != OpportunityStatus.NOT_STARTED:
            raise ValidationError({"sales_cycle": _(MSG_CYCLE_CHANGE)}, code="cycle_change")
        _cycle_validate(data["sales_cycle"])
    if "salesperson" in data and data["salesperson"] != old_salesperson:
        salesperson_validate_choosable(data["salesperson"])
    new_contact = data.get("contact")
    if new_contact is not None and new_contact != opportunity.contact:
        company = contact_company_of(new_contact)
        if (
            opportunity.status != OpportunityStatus.NOT_STARTED
            and opportunity.contact_company_id is not None
            and (company is None or company.pk != opportunity.contact_company_id)
        ):
            raise ValidationError(
                {
                    "contact": _(MSG_NOT_SAME_COMPANY)
                    % {"number": new_contact.number, "company": opportunity.contact_company.number}
                },
                code="not_same_company",
            )
        data["contact_company"] = company
    _opportunity, changed = model_update(
        instance=opportunity, fields=[*OPPORTUNITY_UPDATE_FIELDS, "contact_company"], data=data
    )
    if changed:
        field_changes_record(instance=opportunity, before=before, user=user)
    entry_updates: dict[str, Any] = {}
    if opportunity.campaign_id != old_campaign_id:  # OPP-5
        entry_updates["campaign"] = opportunity.campaign
        if move_campaign_tasks:
            from .models import Task

            Task.objects.filter(
                opportunity=opportunity, is_closed=False, campaign_id=old_campaign_id
            ).update(campaign=opportunity.campaign, updated_at=timezone.now())
    if opportunity.salesperson_id != old_salesperson.pk:
        entry_updates["salesperson"] = opportunity.salesperson
        if reassign_tasks:  # OPP-7 (meetings keep their organizer, TSK-20)
            from .models import Task, TaskType

            Task.objects.filter(
                opportunity=opportunity, is_closed=False, salesperson=old_salesperson
            ).exclude(type=TaskType.MEETING).update(
                salesperson=opportunity.salesperson, updated_at=timezone.now()
            )
    if new_contact is not None:
        entry_updates["contact"] = opportunity.contact
        entry_updates["contact_company"] = opportunity.contact_company
        SalesQuote.objects.filter(opportunity=opportunity, status=QuoteStatus.OPEN).update(
            contact=opportunity.contact
        )
    if entry_updates:
        OpportunityEntry.objects.filter(opportunity=opportunity, is_active=True).update(
            **entry_updates
        )
    return opportunity


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity) -> None:
    """OPP-10: refused while in progress; entries, comments go, the quote is unlinked."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status == OpportunityStatus.IN_PROGRESS:
        raise ValidationError(
            _(MSG_DELETE_IN_PROGRESS) % {"number": opportunity.number}, code="in_progress"
        )
    _opportunities_delete(Opportunity.objects.filter(pk=opportunity.pk))


def _opportunities_delete(queryset: QuerySet[Opportunity]) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    CommentLine.objects.filter(
        target_kind=CommentTargetKind.OPPORTUNITY, target_id__in=ids
    ).delete()
    SalesQuote.objects.filter(opportunity_id__in=ids).update(opportunity=None)
    Opportunity.objects.filter(pk__in=ids).delete()
    return len(ids)


@transaction.atomic
def opportunity_delete_closed(
    *,
    number: str = "",
    salesperson: Salesperson | None = None,
    date_closed_from: dt.date | None = None,
    date_closed_to: dt.date | None = None,
) -> int:
    """OPP-10 *Delete opportunities*: only won or lost ones, with entries and comments."""
    queryset = Opportunity.objects.filter(
        status__in=[OpportunityStatus.WON, OpportunityStatus.LOST]
    )
    if number:
        queryset = queryset.filter(number=number)
    if salesperson is not None:
        queryset = queryset.filter(salesperson=salesperson)
    if date_closed_from:
        queryset = queryset.filter(date_closed__gte=date_closed_from)
    if date_closed_to:
        queryset = queryset.filter(date_closed__lte=date_closed_to)
    return _opportunities_delete(queryset)


# --------------------------------------------------------------------------------------------
# Update wizard (OPP-11…17, OPP-20)
# --------------------------------------------------------------------------------------------


def opportunity_offered_actions(*, opportunity: Opportunity) -> dict[str, list[int]]:
    """OPP-15: the actions the update wizard offers, each with its target stages."""
    if opportunity.is_closed:
        return {}
    entry = active_entry(opportunity)
    stages = list(
        SalesCycleStage.objects.filter(sales_cycle_id=opportunity.sales_cycle_id).values_list(
            "stage", "allow_skip"
        )
    )
    return offered_actions(stages=stages, current=entry.stage if entry else None).as_dict()


def _action_recorded(action: str, *, target: int, offered: dict[str, list[int]]) -> str:
    if action == "first":
        return ActionTaken.BLANK
    if action == "skip":
        return ActionTaken.NEXT if offered.get("next") == [target] else ActionTaken.JUMPED
    if action == "jump":
        return ActionTaken.PREVIOUS if offered.get("previous") == [target] else ActionTaken.JUMPED
    return {
        "next": ActionTaken.NEXT,
        "previous": ActionTaken.PREVIOUS,
        "update": ActionTaken.UPDATED,
    }[action]


def _has_quote(opportunity: Opportunity) -> bool:
    return (
        bool(opportunity.sales_document_number)
        or SalesQuote.objects.filter(opportunity=opportunity).exists()
    )


def _new_entry(
    *, opportunity: Opportunity, previous: OpportunityEntry | None, **fields: Any
) -> OpportunityEntry:
    """OPP-12: deactivate the previous entry (days open) and insert the new active one."""
    date_of_change = fields["date_of_change"]
    if previous is not None:
        previous.is_active = False
        previous.days_open = (date_of_change - previous.date_of_change).days
        previous.save(update_fields=["is_active", "days_open", "updated_at"])
    entry = OpportunityEntry(
        opportunity=opportunity,
        sales_cycle_id=opportunity.sales_cycle_id,
        contact_id=opportunity.contact_id,
        contact_company_id=opportunity.contact_company_id,
        salesperson_id=opportunity.salesperson_id,
        campaign_id=opportunity.campaign_id,
        previous_stage=previous.stage if previous is not None else None,
        is_active=True,
        **fields,
    )
    entry.full_clean(exclude=["entry_no"])
    entry.save()
    return entry


@dataclass
class UpdatePlan:
    """What an update wizard run would record (OPP-11/15/16), computed without writing."""

    opportunity: Opportunity
    previous: OpportunityEntry | None
    stage: SalesCycleStage
    offered: dict[str, list[int]]
    estimates: Any
    errors: dict[str, str]


def _update_plan(
    *,
    opportunity: Opportunity,
    action: str,
    date_of_change: dt.date,
    estimated_value: Decimal,
    chances_percent: Decimal = Decimal(0),
    estimated_close_date: dt.date | None = None,
    to_stage: int | None = None,
) -> UpdatePlan:
    if opportunity.is_closed:
        raise ValidationError(_(MSG_CLOSED) % {"number": opportunity.number}, code="closed")
    offered = opportunity_offered_actions(opportunity=opportunity)
    if action == "first" and not offered.get("first") and not offered.get("update"):
        raise ValidationError(
            _(MSG_NO_STAGES) % {"code": opportunity.sales_cycle.code}, code="no_stages"
        )
    targets = offered.get(action, [])
    if to_stage is None and len(targets) == 1:
        to_stage = targets[0]
    if to_stage is None or to_stage not in targets:
        labels = _stage_labels(opportunity.sales_cycle_id)
        raise ValidationError(
            {
                "action": _(MSG_ACTION_NOT_OFFERED)
                % {
                    "action": dict(ACTION_LABELS).get(action, action),
                    "stage": labels.get(to_stage, to_stage or "-"),
                }
            },
            code="not_offered",
        )
    previous = active_entry(opportunity)
    stage = SalesCycleStage.objects.select_related("activity").get(
        sales_cycle_id=opportunity.sales_cycle_id, stage=to_stage
    )
    errors: dict[str, str] = {}
    if previous is not None and date_of_change < previous.date_of_change:
        errors["date_of_change"] = _(MSG_DATE_EARLIER) % {"date": previous.date_of_change}
    if Decimal(estimated_value or 0) <= 0:
        errors["estimated_value"] = _(MSG_VALUE)
    estimates = estimates_compute(
        method=opportunity.sales_cycle.probability_method,
        stage_completed=stage.completed_percent,
        stage_chances=stage.chances_percent,
        stage_date_formula=stage.date_formula,
        estimated_value=Decimal(estimated_value or 0),
        chances_percent=Decimal(chances_percent or 0),
        date_of_change=date_of_change,
        estimated_close_date=estimated_close_date,
    )
    if estimates.chances_percent <= 0:
        errors["chances_percent"] = _(MSG_CHANCES)
    if estimates.estimated_close_date is None or estimates.estimated_close_date < date_of_change:
        errors["estimated_close_date"] = _(MSG_CLOSE_DATE)
    if action in {"next", "skip"} and stage.is_quote_required and not _has_quote(opportunity):
        errors["to_stage"] = _(MSG_QUOTE_REQUIRED) % {"stage": stage.stage}
    return UpdatePlan(opportunity, previous, stage, offered, estimates, errors)


def opportunity_update_preview(
    *,
    opportunity: Opportunity,
    action: str,
    date_of_change: dt.date,
    estimated_value: Decimal,
    chances_percent: Decimal = Decimal(0),
    estimated_close_date: dt.date | None = None,
    to_stage: int | None = None,
) -> dict[str, Any]:
    """What the update would change, before saving: rows (label, now, after, changed) for
    stage, estimates and close date, and the errors the save would give. Writes nothing."""
    plan = _update_plan(
        opportunity=opportunity,
        action=action,
        date_of_change=date_of_change,
        estimated_value=estimated_value,
        chances_percent=chances_percent,
        estimated_close_date=estimated_close_date,
        to_stage=to_stage,
    )
    labels = _stage_labels(opportunity.sales_cycle_id)
    before, after = plan.previous, plan.estimates
    rows = [
        (
            _("Stage"),
            labels.get(before.stage, before.stage) if before else "—",
            labels.get(plan.stage.stage, plan.stage.stage),
        ),
        (
            _("Estimated value"),
            before.estimated_value if before else Decimal(0),
            Decimal(estimated_value or 0),
        ),
        *(
            (label, getattr(before, name) if before else Decimal(0), getattr(after, name))
            for label, name in (
                (_("Chances of success %"), "chances_percent"),
                (_("Completed %"), "completed_percent"),
                (_("Probability %"), "probability_percent"),
                (_("Calculated current value"), "calculated_current_value"),
            )
        ),
        (
            _("Estimated close date"),
            before.estimated_close_date if before else None,
            after.estimated_close_date,
        ),
    ]
    return {
        "rows": [
            {"label": label, "now": now, "after": then, "changed": now != then}
            for label, now, then in rows
        ],
        "errors": list(plan.errors.values()),
    }


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    action: str,
    date_of_change: dt.date,
    estimated_value: Decimal,
    chances_percent: Decimal = Decimal(0),
    estimated_close_date: dt.date | None = None,
    to_stage: int | None = None,
    cancel_old_tasks: bool = False,
) -> OpportunityEntry:
    """The update wizard (OPP-15/16): first, next, previous, skip, jump or update."""
    from .task_services import activity_assign, tasks_cancel_open_of_opportunity

    opportunity = (
        Opportunity.objects.select_for_update().select_related("sales_cycle").get(pk=opportunity.pk)
    )
    plan = _update_plan(
        opportunity=opportunity,
        action=action,
        date_of_change=date_of_change,
        estimated_value=estimated_value,
        chances_percent=chances_percent,
        estimated_close_date=estimated_close_date,
        to_stage=to_stage,
    )
    previous, stage, offered, estimates, errors = (
        plan.previous,
        plan.stage,
        plan.offered,
        plan.estimates,
        plan.errors,
    )
    if errors:
        raise ValidationError(errors, code="refused")
    if cancel_old_tasks:  # OPP-17: before the move
        tasks_cancel_open_of_opportunity(opportunity=opportunity)
    entry = _new_entry(
        opportunity=opportunity,
        previous=previous,
        stage=stage.stage,
        date_of_change=date_of_change,
        action_taken=_action_recorded(action, target=stage.stage, offered=offered),
        estimated_value=Decimal(estimated_value),
        chances_percent=estimates.chances_percent,
        completed_percent=estimates.completed_percent,
        probability_percent=estimates.probability_percent,
        calculated_current_value=estimates.calculated_current_value,
        estimated_close_date=estimates.estimated_close_date,
        cancel_old_tasks=cancel_old_tasks,
    )
    if opportunity.status != OpportunityStatus.IN_PROGRESS:  # OPP-13
        opportunity.status = OpportunityStatus.IN_PROGRESS
        opportunity.save(update_fields=["status", "updated_at"])
    if action != "update" and stage.activity_id:  # OPP-17
        activity_assign(
            activity=stage.activity,
            start_date=date_of_change,
            contact=opportunity.contact,
            salesperson=opportunity.salesperson,
            opportunity=opportunity,
        )
    return entry


def _stage_labels(cycle_id: int) -> dict[int, str]:
    """``{2: "2 · Proposal"}`` for the stages of a cycle (messages name stages)."""
    return {
        stage: f"{stage} · {description}" if description else str(stage)
        for stage, description in SalesCycleStage.objects.filter(
            sales_cycle_id=cycle_id
        ).values_list("stage", "description")
    }


def opportunity_board_move(*, opportunity: Opportunity, to_stage: int) -> OpportunityEntry | None:
    """Pipeline board drop: the wizard action that reaches ``to_stage`` (OPP-15/16 apply).

    Estimates keep the current value; chances and close date default from the stage.
    """
    entry = active_entry(opportunity)
    offered = opportunity_offered_actions(opportunity=opportunity)
    if entry is not None and entry.stage == to_stage:
        return None
    for action in ("first", "next", "previous", "skip", "jump"):
        if to_stage in offered.get(action, []):
            break
    else:
        if opportunity.is_closed:
            raise ValidationError(_(MSG_CLOSED) % {"number": opportunity.number}, code="closed")
        labels = _stage_labels(opportunity.sales_cycle_id)
        current = entry.stage if entry else None
        raise ValidationError(
            {
                "to_stage": _(MSG_BOARD_NOT_REACHABLE)
                % {
                    "from": labels.get(current, current or "-"),
                    "to": labels.get(to_stage, to_stage),
                }
            },
            code="not_offered",
        )
    return opportunity_update(
        opportunity=opportunity,
        action=action,
        to_stage=to_stage,
        date_of_change=max(_today(), entry.date_of_change) if entry else _today(),
        estimated_value=entry.estimated_value if entry else Decimal(0),
    )


def opportunity_activate_first_stage(
    *,
    opportunity: Opportunity,
    estimated_value: Decimal,
    chances_percent: Decimal = Decimal(0),
    date_of_change: dt.date | None = None,
    estimated_close_date: dt.date | None = None,
) -> OpportunityEntry:
    """OPP-20: same as the wizard's *first*."""
    return opportunity_update(
        opportunity=opportunity,
        action="first",
        date_of_change=date_of_change or _today(),
        estimated_value=estimated_value,
        chances_percent=chances_percent,
        estimated_close_date=estimated_close_date,
    )


# --------------------------------------------------------------------------------------------
# Close (OPP-14, OPP-18, OPP-19)
# --------------------------------------------------------------------------------------------


def _customer_link(company: Contact) -> ContactBusinessRelation | None:
    return ContactBusinessRelation.objects.filter(
        contact=company, link_type=LinkType.CUSTOMER
    ).first()


def customer_link_ensure(
    *, company: Contact, template: CustomerTemplate | None = None
) -> ContactBusinessRelation:
    """The company's customer link, created (pending) when it has none.

    With a template this is the contacts area's *Create as customer* (CON-47); without one it
    is the internal creation of CON-48 (winning an opportunity), which contacts offers no
    public service for yet: the row is written here with the setup's customer relation and
    series, then contacts' summary recompute and ``business_link_created`` signal run.
    """
    existing = _customer_link(company)
    if existing is not None:
        return existing
    if template is not None:
        return links.contact_create_as(
            contact=company, link_type=LinkType.CUSTOMER, template=template
        )
    setup = MarketingSetup.load()
    if setup.customer_relation_id is None:
        raise ValidationError(
            _(MSG_SETUP_FIELD) % {"field": _("business relation for customers")},
            code="setup_missing",
        )
    if setup.customer_series_id is None:
        raise ValidationError(
            _(MSG_SETUP_FIELD) % {"field": _("customer nos.")}, code="setup_missing"
        )
    number = number_series_issue(series=setup.customer_series).number
    ContactBusinessRelation.objects.filter(  # CON-45: the plain row of the code goes
        contact=company, business_relation=setup.customer_relation, link_type=LinkType.NONE
    ).delete()
    link = ContactBusinessRelation.objects.create(
        contact=company,
        business_relation=setup.customer_relation,
        link_type=LinkType.CUSTOMER,
        external_number=number,
    )
    links.contact_business_relation_summary_recompute(contact_ids=[company.pk])
    links.business_link_created.send(sender=ContactBusinessRelation, link=link, contact=company)
    return link


def sales_quotes_take_customer_number(*, link: ContactBusinessRelation) -> int:
    """OPP-63: open quotes of the company and its persons get the new customer number."""
    if link.link_type != LinkType.CUSTOMER:
        return 0
    return SalesQuote.objects.filter(
        Q(contact=link.contact_id) | Q(contact__company=link.contact_id),
        status=QuoteStatus.OPEN,
        customer_number="",
    ).update(customer_number=link.external_number, updated_at=timezone.now())


@transaction.atomic
def opportunity_close(
    *,
    opportunity: Opportunity,
    close_type: str,
    close_code: CloseOpportunityCode | None,
    date_of_change: dt.date | None,
    calculated_current_value: Decimal | None = None,
    cancel_old_tasks: bool = False,
) -> OpportunityEntry:
    """The close wizard (OPP-18): the final won/lost entry (OPP-14), OPP-19 for won."""
    from .task_services import tasks_cancel_open_of_opportunity

    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=opportunity.pk)
    )
    if opportunity.is_closed:
        raise ValidationError(_(MSG_CLOSED) % {"number": opportunity.number}, code="closed")
    errors: dict[str, str] = {}
    if close_type not in CloseType.values:
        errors["close_type"] = _("Choose won or lost.")
    if close_code is None:
        errors["close_code"] = _("A close code is required.")
    elif close_code.type != close_type:
        errors["close_code"] = _(MSG_CLOSE_CODE_TYPE) % {
            "code": close_code.code,
            "type": close_type,
        }
    if date_of_change is None:
        errors["date_of_change"] = _("The date of change is required.")
    previous = active_entry(opportunity)
    if previous is not None and date_of_change and date_of_change < previous.date_of_change:
        errors["date_of_change"] = _(MSG_DATE_EARLIER) % {"date": previous.date_of_change}
    quote = SalesQuote.objects.filter(opportunity=opportunity).first()
    value = Decimal(calculated_current_value or 0)
    if close_type == CloseType.WON:
        if quote is not None:
            value = quote.amount  # OPP-14
            if value <= 0:
                errors["__all__"] = _(MSG_QUOTE_NO_AMOUNT) % {"quote": quote.number}
        elif value <= 0:
            errors["calculated_current_value"] = _(MSG_SALES_AMOUNT)
    if errors:
        raise ValidationError(errors, code="refused")
    won = close_type == CloseType.WON
    if won:  # OPP-19
        company = contact_company_of(opportunity.contact)
        if company is None:
            raise ValidationError(
                {"contact": _(MSG_WON_NEEDS_COMPANY) % {"number": opportunity.contact.number}},
                code="no_company",
            )
        customer_link_ensure(company=company)
    if cancel_old_tasks:
        tasks_cancel_open_of_opportunity(opportunity=opportunity)
    stage = (
        previous.stage
        if previous is not None
        else (
            SalesCycleStage.objects.filter(sales_cycle_id=opportunity.sales_cycle_id)
            .order_by("stage")
            .values_list("stage", flat=True)
            .first()
            or 1
        )
    )
    entry = _new_entry(
        opportunity=opportunity,
        previous=previous,
        stage=stage,
        date_of_change=date_of_change,
        action_taken=ActionTaken.WON if won else ActionTaken.LOST,
        estimated_value=previous.estimated_value if previous is not None else value,
        completed_percent=Decimal(100),
        chances_percent=Decimal(100) if won else Decimal(0),
        probability_percent=Decimal(100) if won else Decimal(0),
        calculated_current_value=value if won else Decimal(0),
        estimated_close_date=date_of_change,
        close_code=close_code,
        date_closed=date_of_change,
        cancel_old_tasks=cancel_old_tasks,
    )
    opportunity.status = OpportunityStatus.WON if won else OpportunityStatus.LOST
    opportunity.is_closed = True
    opportunity.date_closed = date_of_change
    opportunity.save(update_fields=["status", "is_closed", "date_closed", "updated_at"])
    return entry


# --------------------------------------------------------------------------------------------
# Sales quotes (OPP-8, OPP-60…63, minimal)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def sales_quote_create_for_opportunity(
    *,
    opportunity: Opportunity,
    amount: Decimal = Decimal(0),
    template: CustomerTemplate | None = None,
    create_customer_now: bool = False,
) -> SalesQuote:
    """OPP-60: a local quote linked to the opportunity (and the customer link if asked)."""
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=opportunity.pk)
    )
    if opportunity.status != OpportunityStatus.IN_PROGRESS:
        raise ValidationError(_(MSG_QUOTE_STATUS), code="not_in_progress")
    if (
        opportunity.sales_document_number
        or SalesQuote.objects.filter(opportunity=opportunity).exists()
    ):
        raise ValidationError(
            _(MSG_DOCUMENT_LINKED) % {"number": opportunity.number}, code="document_linked"
        )
    contact = opportunity.contact
    company = contact_company_of(contact)
    if company is None:
        raise ValidationError(
            {"contact": _(MSG_QUOTE_NEEDS_COMPANY) % {"number": contact.number}},
            code="no_company",
        )
    contact_validate_not_privacy_blocked(contact)
    link = _customer_link(company)
    if link is None and create_customer_now:
        link = customer_link_ensure(company=company, template=template)
    issued = number_assign(setup_field="sales_quote_series", model=SalesQuote)
    entry = active_entry(opportunity)
    close_date = entry.estimated_close_date if entry is not None else None
    quote = SalesQuote(
        number=issued.number,
        number_series=issued.series,
        contact=contact,
        customer_number=link.external_number if link is not None else "",
        template=template if link is None or create_customer_now else None,
        opportunity=opportunity,
        salesperson=opportunity.salesperson,
        description=opportunity.description,
        valid_until=close_date,
        requested_delivery_date=close_date,
        amount=amount,
    )
    quote.full_clean()
    quote.save()
    opportunity.sales_document_kind = SalesDocumentKind.QUOTE
    opportunity.sales_document_number = quote.number
    opportunity.save(update_fields=["sales_document_kind", "sales_document_number", "updated_at"])
    return quote


@transaction.atomic
def sales_quote_link(*, quote: SalesQuote, opportunity: Opportunity) -> SalesQuote:
    """OPP-61/OPP-8: assign an existing quote (same company, not linked elsewhere)."""
    quote = SalesQuote.objects.select_for_update().select_related("contact").get(pk=quote.pk)
    if quote.opportunity_id and quote.opportunity_id != opportunity.pk:
        raise ValidationError(
            _(MSG_QUOTE_LINKED) % {"quote": quote.number, "number": quote.opportunity.number},
            code="quote_linked",
        )
    if opportunity.sales_document_number and opportunity.sales_document_number != quote.number:
        raise ValidationError(
            _(MSG_DOCUMENT_LINKED) % {"number": opportunity.number}, code="document_linked"
        )
    company = contact_company_of(quote.contact)
    if company is None or company.pk != opportunity.contact_company_id:
        raise ValidationError(
            {
                "quote": _(MSG_NOT_SAME_COMPANY)
                % {
                    "number": quote.contact.number,
                    "company": opportunity.contact_company.number
                    if opportunity.contact_company
                    else "-",
                }
            },
            code="not_same_company",
        )
    quote.opportunity = opportunity
    quote.save(update_fields=["opportunity", "updated_at"])
    Opportunity.objects.filter(pk=opportunity.pk).update(
        sales_document_kind=SalesDocumentKind.QUOTE, sales_document_number=quote.number
    )
    return quote


QUOTE_EDIT_FIELDS = ["description", "quote_date", "valid_until", "requested_delivery_date"]
MONEY = Decimal("0.01")


def sales_quote_line_amount(*, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's amount: quantity × unit price, rounded half up to cents."""
    return (Decimal(quantity) * Decimal(unit_price)).quantize(MONEY, rounding=ROUND_HALF_UP)


@transaction.atomic
def sales_quote_edit(
    *,
    quote: SalesQuote,
    data: dict[str, Any],
    lines: list[dict[str, Any]],
    expected_version: str | None = None,
) -> SalesQuote:
    """Edit an open quote (OPP-62): header fields and its lines, which replace the old ones.

    Each line is ``{description, quantity, unit_price}``; its amount is quantity × unit price
    and the quote's amount is the sum of the line amounts. ``expected_version`` is the edit
    form's token (crm.concurrency): a save based on an older version is refused.
    """
    quote = SalesQuote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
    data = {k: v for k, v in data.items() if k in QUOTE_EDIT_FIELDS}
    rows = [
        {
            "description": (line.get("description") or "").strip(),
            "quantity": Decimal(line.get("quantity") or 0),
            "unit_price": Decimal(line.get("unit_price") or 0),
        }
        for line in lines
    ]
    for row in rows:
        row["amount"] = sales_quote_line_amount(
            quantity=row["quantity"], unit_price=row["unit_price"]
        )
    amount = sum((row["amount"] for row in rows), Decimal(0))
    ensure_not_stale(
        instance=quote,
        expected_version=expected_version,
        fields=[*data, "amount"],
        data={**data, "amount": amount.quantize(MONEY)},
    )
    if quote.status != QuoteStatus.OPEN:
        raise ValidationError(_(MSG_QUOTE_NOT_OPEN) % {"quote": quote.number}, code="not_open")
    SalesQuoteLine.objects.filter(quote=quote).delete()
    new_lines = [
        SalesQuoteLine(quote=quote, line_no=10000 * (index + 1), **row)
        for index, row in enumerate(rows)
    ]
    for line in new_lines:
        line.full_clean(exclude=["quote"])
    SalesQuoteLine.objects.bulk_create(new_lines)
    _quote, changed = model_update(
        instance=quote, fields=[*QUOTE_EDIT_FIELDS, "amount"], data={**data, "amount": amount}
    )
    if not changed:  # the lines changed: a new version all the same
        quote.save(update_fields=["updated_at"])
    return quote


@transaction.atomic
def sales_quote_accept(*, quote: SalesQuote) -> SalesQuote:
    """OPP-62: accepting needs the customer number."""
    if quote.status != QuoteStatus.OPEN:
        raise ValidationError(_(MSG_QUOTE_NOT_OPEN) % {"quote": quote.number}, code="not_open")
    if not quote.customer_number:
        raise ValidationError(_(MSG_ACCEPT_NEEDS_CUSTOMER), code="no_customer")
    model_update(instance=quote, fields=["status"], data={"status": QuoteStatus.ACCEPTED})
    return quote


@transaction.atomic
def sales_quote_decline(*, quote: SalesQuote) -> SalesQuote:
    if quote.status != QuoteStatus.OPEN:
        raise ValidationError(_(MSG_QUOTE_NOT_OPEN) % {"quote": quote.number}, code="not_open")
    model_update(instance=quote, fields=["status"], data={"status": QuoteStatus.DECLINED})
    return quote


@transaction.atomic
def sales_quote_order_reported(*, quote: SalesQuote, order_number: str) -> SalesQuote:
    """OPP-62: the business system's order number switches the opportunity's document."""
    model_update(
        instance=quote,
        fields=["external_order_number"],
        data={"external_order_number": order_number},
    )
    if quote.opportunity_id:
        Opportunity.objects.filter(pk=quote.opportunity_id).update(
            sales_document_kind=SalesDocumentKind.ORDER, sales_document_number=order_number
        )
    return quote


@transaction.atomic
def sales_quote_delete(*, quote: SalesQuote) -> None:
    """OPP-62: only open quotes are deleted; the opportunity's document link is cleared."""
    if quote.status != QuoteStatus.OPEN:
        raise ValidationError(_(MSG_QUOTE_NOT_OPEN) % {"quote": quote.number}, code="not_open")
    if quote.opportunity_id:
        Opportunity.objects.filter(pk=quote.opportunity_id).update(
            sales_document_kind=SalesDocumentKind.BLANK, sales_document_number=""
        )
    quote.delete()


@transaction.atomic
def sales_quote_print(*, quote: SalesQuote, user) -> InteractionLogEntry | None:
    """OPP-64: the quote is printed; log a sales_quote interaction for the quote's contact
    when that slot is set (``interaction_log_document``: API-2 rules, INT-4, CON-52).

    As in the business system, every print is one document occurrence: ``print_count``
    ("no. printed") goes up by one per print and the print logs (kind sales_quote, quote
    number, occurrence = print_count, version 1), so reprinting logs again, while a replay of
    the same occurrence returns the entry already logged (API-3). The count rises even when
    the slot is blank (nothing logged, the page still prints); a refused log (template with
    languages, privacy-blocked contact) raises ``ValidationError`` and counts nothing.
    Returns the entry, or None when not logged.
    """
    quote = (
        SalesQuote.objects.select_for_update(of=("self",))
        .select_related("contact", "opportunity")
        .get(pk=quote.pk)
    )
    occurrence = quote.print_count + 1
    opportunity = quote.opportunity
    entry = interaction_log_document(
        kind=DocumentKind.SALES_QUOTE,
        document_number=quote.number,
        contact=quote.contact,
        user=user,
        salesperson=quote.salesperson,
        opportunity=opportunity,
        campaign=opportunity.campaign if opportunity is not None else None,
        occurrence=occurrence,
        version=1,
    )
    model_update(instance=quote, fields=["print_count"], data={"print_count": occurrence})
    return entry


# --------------------------------------------------------------------------------------------
# Setup (OPP-22)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def sales_cycle_delete(*, cycle: SalesCycle) -> None:
    """OPP-22: refused while opportunities use it; its stages go with it."""
    if Opportunity.objects.filter(sales_cycle=cycle).exists():
        raise ValidationError(
            _("Sales cycle %(code)s is used by opportunities.") % {"code": cycle.code},
            code="in_use",
        )
    cycle.delete()


@transaction.atomic
def sales_cycle_stage_delete(*, stage: SalesCycleStage) -> None:
    """OPP-22: refused while active entries are at it."""
    if OpportunityEntry.objects.filter(
        sales_cycle_id=stage.sales_cycle_id, stage=stage.stage, is_active=True
    ).exists():
        raise ValidationError(
            _("Stage %(stage)s has active opportunity entries.") % {"stage": stage.stage},
            code="in_use",
        )
    stage.delete()


# --------------------------------------------------------------------------------------------
# From an interaction (INT-18): opportunities stand above interactions and orchestrate
# --------------------------------------------------------------------------------------------


@transaction.atomic
def opportunity_create_from_interaction(*, entry: InteractionLogEntry, user=None) -> Opportunity:
    """INT-18: an opportunity from a finished, non-canceled entry without one, for a contact
    that is not privacy-blocked; it takes the entry's description, contact, salesperson,
    campaign and segment number and the default sales cycle, gets the entry's comments, and
    is stored on the entry."""
    entry = (
        InteractionLogEntry.objects.select_for_update(of=("self",))
        .select_related("contact", "contact_company", "opportunity", "campaign")
        .get(pk=entry.pk)
    )
    if entry.is_canceled:
        raise ValidationError(
            _(MSG_ENTRY_CANCELED) % {"entry_no": entry.entry_no}, code="entry_canceled"
        )
    if entry.is_postponed:
        raise ValidationError(
            _(MSG_ENTRY_POSTPONED) % {"entry_no": entry.entry_no}, code="entry_postponed"
        )
    if entry.opportunity_id is not None:
        raise ValidationError(
            _(MSG_ENTRY_LINKED) % {"entry_no": entry.entry_no, "number": entry.opportunity.number},
            code="entry_linked",
        )
    if entry.contact is None:
        raise ValidationError(
            _(MSG_ENTRY_NO_CONTACT) % {"entry_no": entry.entry_no}, code="entry_no_contact"
        )
    contact_validate_not_privacy_blocked(entry.contact)  # CON-52
    if entry.contact_company is not None:
        contact_validate_not_privacy_blocked(entry.contact_company)
    opportunity = opportunity_create(
        description=entry.description,
        contact=entry.contact,
        salesperson=entry.salesperson,
        user=user,
        segment_number=entry.segment_number,
        campaign=entry.campaign,
    )
    CommentLine.objects.bulk_create(
        CommentLine(
            target_kind=CommentTargetKind.OPPORTUNITY,
            target_id=opportunity.pk,
            line_no=comment.line_no,
            date=comment.date,
            comment=comment.comment,
        )
        for comment in InteractionLogEntryComment.objects.filter(entry=entry).order_by("line_no")
    )
    entry.opportunity = opportunity
    entry.save(update_fields=["opportunity", "updated_at"])  # INT-14 allows this field
    return opportunity
