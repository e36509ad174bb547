"""Actions on every contact of a segment: mailing group (SEG-50), opportunities, tasks
and activities (SEG-53/54).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactMailingGroup
from crm.models import BulkJob
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
)
from crm.sql import Alias, columns, table
from segments.models import Segment, SegmentLine
from setup.models import MailingGroup

from .header import _busy_check, _lock, _today

# -- other actions (SEG-50) ---------------------------------------------------------------------


@transaction.atomic
def segment_mailing_group_apply(
    *, segment: Segment, mailing_group: MailingGroup, remove_existing: bool = False
) -> dict[str, int]:
    """SEG-50, set-based: optionally strip the group from everyone, then give it to every
    contact on the segment that lacks it. (Contacts has no bulk mailing-group service yet.)"""
    removed = 0
    if remove_existing:
        removed, _detail = ContactMailingGroup.objects.filter(mailing_group=mailing_group).delete()
    insert_columns = columns(
        ContactMailingGroup, "contact", "mailing_group", "created_at", "updated_at"
    )
    conflict = columns(ContactMailingGroup, "contact", "mailing_group")
    line = Alias(SegmentLine, "l")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table(ContactMailingGroup)} ({insert_columns})
            SELECT DISTINCT {line.contact}, %s, now(), now() FROM {table(SegmentLine)} {line}
            WHERE {line.segment} = %s
            ON CONFLICT ({conflict}) DO NOTHING
            """,  # noqa: S608 (identifiers from crm.sql, values bound)
            [mailing_group.pk, segment.pk],
        )
        added = cursor.rowcount
    return {"removed": removed, "added": added}


# -- opportunities, tasks and activities per line (SEG-53/54) -----------------------------------

OPPORTUNITIES_JOB_KIND = "segment_create_opportunities"
OPPORTUNITY_BATCH_SIZE = 200


def segment_opportunity_campaign_check(*, segment: Segment, campaign) -> None:
    """OPP-6: with both a segment and a campaign, the segment's campaign (if any) must match."""
    if campaign is not None and segment.campaign_id and segment.campaign_id != campaign.pk:
        raise ValidationError(
            {
                "campaign": _(
                    "Campaign %(campaign)s differs from campaign %(segment_campaign)s of "
                    "segment %(number)s."
                )
                % {
                    "campaign": campaign.number,
                    "segment_campaign": segment.campaign.number,
                    "number": segment.number,
                }
            },
            code="segment_campaign",
        )


def _opportunity_params(options: dict | None) -> dict:
    """The wizard's choices (OPP-21) as JSON for the job's params."""
    options = options or {}
    cycle = options.get("sales_cycle")
    params: dict[str, Any] = {
        "sales_cycle": getattr(cycle, "pk", cycle),
        "priority": options.get("priority") or "",
        "activate_first_stage": bool(options.get("activate_first_stage")),
    }
    for name in ("creation_date", "estimated_close_date"):
        value = options.get(name)
        params[name] = value.isoformat() if value else None
    for name in ("estimated_value", "chances_percent"):
        params[name] = str(options.get(name) or 0)
    return params


def _opportunity_kwargs(params: dict) -> dict:
    """Inverse of ``_opportunity_params``: keyword arguments of ``opportunity_create``."""
    from opportunities.models import SalesCycle

    kwargs: dict[str, Any] = {
        "activate_first_stage": bool(params.get("activate_first_stage")),
        "estimated_value": Decimal(params.get("estimated_value") or 0),
        "chances_percent": Decimal(params.get("chances_percent") or 0),
    }
    if params.get("sales_cycle"):
        kwargs["sales_cycle"] = SalesCycle.objects.get(pk=params["sales_cycle"])
    if params.get("priority"):
        kwargs["priority"] = params["priority"]
    for name in ("creation_date", "estimated_close_date"):
        if params.get(name):
            kwargs[name] = dt.date.fromisoformat(params[name])
    return kwargs


def _line_opportunity_create(*, segment: Segment, line: SegmentLine, user, params: dict):
    from opportunities.services import opportunity_create

    return opportunity_create(
        description=segment.description,
        contact=line.contact,
        salesperson=segment.salesperson or line.salesperson,
        user=user,
        segment_number=segment.number,
        campaign=segment.campaign,
        **_opportunity_kwargs(params),
    )


class _DryRunDone(Exception):
    """Rolls back the trial opportunity of ``segment_opportunities_create_start``."""


@transaction.atomic
def segment_opportunities_create_start(
    *, segment: Segment, user, options: dict | None = None, queue: str | None = None
) -> BulkJob:
    """SEG-53 / OPP-21: after confirmation, one opportunity per line with a contact, in
    batches of 200 as a bulk job. ``options`` carries the wizard's fields (sales cycle,
    priority, creation date, activate first stage and its estimates). The rules are checked
    once up front by creating the first line's opportunity in a savepoint that is rolled
    back (no number is used up), so a refusal reaches the form at once."""
    from opportunities.services import opportunity_campaign_validate
    from segments.tasks import segment_opportunities_create_task

    segment = _lock(segment)
    _busy_check(segment)
    if not segment.description:
        raise ValidationError({"description": _("You must fill in the description.")})
    params = _opportunity_params(options)
    segment_opportunity_campaign_check(segment=segment, campaign=segment.campaign)
    creation_date = _opportunity_kwargs(params).get("creation_date") or _today()
    opportunity_campaign_validate(campaign=segment.campaign, creation_date=creation_date)
    lines = segment.lines.filter(contact__isnull=False)
    total = lines.count()
    if not total:
        raise ValidationError(
            _("Segment %(number)s has no lines with a contact.") % {"number": segment.number}
        )
    first = lines.select_related("contact", "salesperson").order_by("line_no").first()
    try:
        with transaction.atomic():
            _line_opportunity_create(segment=segment, line=first, user=user, params=params)
            raise _DryRunDone
    except _DryRunDone:
        pass
    job = bulk_job_create(
        kind=OPPORTUNITIES_JOB_KIND, user=user, target=segment, total=total, params=params
    )
    Segment.objects.filter(pk=segment.pk).update(running_job=job)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(
        lambda: segment_opportunities_create_task.apply_async(args=[job.pk], **options)
    )
    return job


def segment_opportunities_create(
    *, job_id: int, batch_size: int = OPPORTUNITY_BATCH_SIZE, max_batches: int | None = None
) -> bool:
    """Run the SEG-53 job. Resumable and idempotent: each batch of lines (in line order)
    commits its opportunities together with ``last_line_no`` in the job's result, so a
    redelivered message continues after the last committed batch. Returns True while more
    batches remain (when ``max_batches`` stopped it)."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return False
    segment = (
        Segment.objects.select_related("campaign", "salesperson").filter(pk=job.target_id).first()
    )
    if segment is None:
        bulk_job_finish(job_id=job_id, error=_("The segment no longer exists."))
        return False
    bulk_job_start(job_id=job_id)
    last_line_no = job.result.get("last_line_no", -1)
    created, done, batches = job.result.get("created", 0), job.done, 0
    while True:
        with transaction.atomic():
            lines = list(
                segment.lines.filter(contact__isnull=False, line_no__gt=last_line_no)
                .select_related("contact")
                .order_by("line_no")[:batch_size]
            )
            if not lines:
                break
            for line in lines:
                _line_opportunity_create(
                    segment=segment, line=line, user=job.started_by, params=job.params
                )
            created += len(lines)
            done += len(lines)
            last_line_no = lines[-1].line_no
            bulk_job_progress(job_id=job_id, done=done)
            BulkJob.objects.filter(pk=job_id).update(
                result={"created": created, "last_line_no": last_line_no}
            )
        batches += 1
        if max_batches is not None and batches >= max_batches:
            return True
    with transaction.atomic():
        Segment.objects.filter(pk=segment.pk, running_job_id=job_id).update(running_job=None)
        bulk_job_finish(job_id=job_id, result={"created": created, "last_line_no": last_line_no})
    return False


def _segment_contacts(segment: Segment) -> list[Contact]:
    ids = segment.lines.values("contact_id")
    return list(Contact.objects.filter(pk__in=ids).order_by("number"))


@transaction.atomic
def segment_tasks_create(*, segment: Segment, user=None, data: dict[str, Any]) -> list:
    """SEG-54 / TSK-15: after confirmation, one task per segment contact with the segment's
    number (``data`` are ``task_create``'s arguments: description, date, type, salesperson…)."""
    from opportunities.task_services import task_create

    segment = _lock(segment)
    _busy_check(segment)
    data = dict(data)
    data.setdefault("salesperson", segment.salesperson)
    if segment.campaign_id:
        data.setdefault("campaign", segment.campaign)
    return [
        task_create(**data, contact=contact, segment_number=segment.number, user=user)
        for contact in _segment_contacts(segment)
    ]


@transaction.atomic
def segment_activity_assign(
    *,
    segment: Segment,
    activity,
    start_date: dt.date,
    salesperson=None,
    team=None,
    team_meeting_organizer=None,
) -> list:
    """SEG-54 / TSK-30: one set of activity tasks per segment contact."""
    from opportunities.task_services import activity_assign

    segment = _lock(segment)
    _busy_check(segment)
    tasks: list = []
    for contact in _segment_contacts(segment):
        tasks += activity_assign(
            activity=activity,
            start_date=start_date,
            contact=contact,
            salesperson=salesperson or (None if team else segment.salesperson),
            team=team,
            team_meeting_organizer=team_meeting_organizer,
            segment_number=segment.number,
        )
    return tasks
