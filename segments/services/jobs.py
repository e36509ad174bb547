"""Bulk jobs of the segments area (SPEC 5.5): criteria jobs and the log job."""

from __future__ import annotations

from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.models import BulkJob, BulkJobStatus
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
)
from segments.models import (
    CriteriaActionKind,
    LoggedSegment,
    SavedSegmentCriteria,
    Segment,
    SegmentCriteriaAction,
    SegmentLine,
)

from .criteria_actions import (
    _clean_action_data,
    _execute,
    _notify_action,
    _replay_specs,
    segment_criteria_apply,
)
from .header import (
    CRITERIA_JOB_KIND,
    OPTION_FIELDS,
    _busy_check,
    _line_contact_ids,
    _lines_delete,
    _lock,
    _segment_campaign_ids,
    segment_targets_notify,
)
from .log import _email_check, segment_log, segment_log_check

# -- bulk jobs (SPEC 5.5) -----------------------------------------------------------------------


def _start_job(*, segment: Segment, user, params: dict, total: int, queue: str | None) -> BulkJob:
    from segments.tasks import segment_apply_criteria_task

    segment = _lock(segment)
    _busy_check(segment)
    job = bulk_job_create(
        kind=CRITERIA_JOB_KIND, user=user, target=segment, total=total, params=params
    )
    Segment.objects.filter(pk=segment.pk).update(running_job=job)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: segment_apply_criteria_task.apply_async(args=[job.pk], **options))
    return job


@transaction.atomic
def segment_criteria_start(
    *,
    segment: Segment,
    user,
    action: str,
    options: dict | None = None,
    filters: dict | None = None,
    queue: str | None = None,
) -> BulkJob:
    """SG-28: add/reduce/refine as a bulk job; a busy segment is refused."""
    data = _clean_action_data(action, options, filters)  # refuse bad input before queueing
    step = {
        "action": action,
        "options": {k: data[k] for k in OPTION_FIELDS},
        "filters": data["filters"],
    }
    return _start_job(
        segment=segment, user=user, params={"mode": "apply", "steps": [step]}, total=1, queue=queue
    )


@transaction.atomic
def segment_criteria_reuse_start(
    *, segment: Segment, saved: SavedSegmentCriteria, user, queue: str | None = None
) -> BulkJob:
    """SEG-26: replay a saved set (appended after the existing actions)."""
    steps = _replay_specs(saved)
    return _start_job(
        segment=segment,
        user=user,
        params={"mode": "apply", "steps": steps, "saved_code": saved.code},
        total=len(steps),
        queue=queue,
    )


@transaction.atomic
def segment_reuse_logged_start(
    *, segment: Segment, logged: LoggedSegment, user, queue: str | None = None
) -> BulkJob:
    """SEG-27: add the contacts of a logged segment's interactions (existing ones skipped)."""
    step = {
        "action": CriteriaActionKind.ADD,
        "options": {},
        "filters": {"logged_segment": {"entry_no": logged.entry_no}},
    }
    return _start_job(
        segment=segment, user=user, params={"mode": "apply", "steps": [step]}, total=1, queue=queue
    )


@transaction.atomic
def segment_refresh_start(*, segment: Segment, user, queue: str | None = None) -> BulkJob:
    """SEG-28: clear lines and history, replay the segment's own actions in order."""
    total = segment.criteria_actions.count() + 1
    return _start_job(
        segment=segment, user=user, params={"mode": "refresh"}, total=total, queue=queue
    )


def segment_criteria_job_run(*, job_id: int) -> None:
    """Run a criteria job; idempotent: a finished job is left alone, and every step commits
    together with the job's progress, so a redelivered message resumes after the last step."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return
    segment = Segment.objects.filter(pk=job.target_id).first()
    if segment is None:
        bulk_job_finish(job_id=job_id, error=_("The segment no longer exists."))
        return
    bulk_job_start(job_id=job_id)
    done = job.done
    changed = job.result.get("changed", 0)
    try:
        if job.params.get("mode") == "refresh":
            positions = list(
                segment.criteria_actions.order_by("position").values_list("pk", flat=True)
            )
            if done == 0:
                with transaction.atomic():
                    locked = _lock(segment)
                    campaign_ids = _segment_campaign_ids(locked)
                    contact_ids = _line_contact_ids(locked, campaign_ids)
                    _lines_delete(locked)
                    segment_targets_notify(campaign_ids=campaign_ids, contact_ids=contact_ids)
                    locked.history.all().delete()
                    done = 1
                    bulk_job_progress(job_id=job_id, done=done)
            for pk in positions[done - 1 :]:
                with transaction.atomic():
                    locked = _lock(segment)
                    replayed = SegmentCriteriaAction.objects.get(pk=pk)
                    changed += _execute(locked, replayed)
                    _notify_action(locked, replayed.position)
                    done += 1
                    bulk_job_progress(job_id=job_id, done=done)
                    BulkJob.objects.filter(pk=job_id).update(result={"changed": changed})
        else:
            for step in job.params["steps"][done:]:
                with transaction.atomic():
                    _action, count = segment_criteria_apply(
                        segment=segment, user=job.started_by, job_id=job_id, **step
                    )
                    changed += count
                    done += 1
                    bulk_job_progress(job_id=job_id, done=done)
                    BulkJob.objects.filter(pk=job_id).update(result={"changed": changed})
    except (ValidationError, ApplicationError) as exc:
        segment_criteria_job_failed(job_id=job_id, error=str(getattr(exc, "message", exc)))
        return
    with transaction.atomic():
        Segment.objects.filter(pk=segment.pk, running_job_id=job_id).update(running_job=None)
        lines = SegmentLine.objects.filter(segment=segment).count()
        bulk_job_finish(job_id=job_id, result={"changed": changed, "lines": lines})


def segment_criteria_job_failed(*, job_id: int, error: str) -> None:
    with transaction.atomic():
        Segment.objects.filter(running_job_id=job_id).update(running_job=None)
        if not BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.SUCCEEDED).exists():
            bulk_job_finish(job_id=job_id, error=error[:1000])


# -- logging as a bulk job (SEG-40..42, SPEC 5.5) -----------------------------------------------

LOG_JOB_KIND = "segment_log"


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", exc))


@transaction.atomic
def segment_log_start(
    *,
    segment: Segment,
    user,
    send: bool = False,
    follow_up: bool = False,
    queue: str | None = None,
) -> BulkJob:
    """Log the segment in a background job (``segment_log_task``). The preconditions of
    ``segment_log`` run here first, so bad input is refused in the request with its message;
    a busy segment is refused too. The segment then stays busy until the job ends."""
    from segments.tasks import segment_log_task

    segment = _lock(segment)
    _busy_check(segment)
    segment_log_check(segment=segment, send=send)
    if send:
        _email_check(segment)
    params = {
        "send": send,
        "follow_up": follow_up,
        "segment_number": segment.number,
        "language": translation.get_language(),
    }
    job = bulk_job_create(
        kind=LOG_JOB_KIND,
        user=user,
        target=segment,
        total=segment.lines.count(),
        params=params,
    )
    Segment.objects.filter(pk=segment.pk).update(running_job=job)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: segment_log_task.apply_async(args=[job.pk], **options))
    return job


def _log_job_result(*, logged: LoggedSegment, lines: int, follow_up: Segment | None) -> dict:
    return {
        "logged_segment": logged.pk,
        "entry_no": logged.entry_no,
        "segment_number": logged.segment_number,
        "lines": lines,
        "follow_up": follow_up.pk if follow_up is not None else None,
    }


def segment_log_job_run(*, job_id: int) -> None:
    """Run a log job; idempotent and safe on redelivery. The job row is locked, and
    ``segment_log`` and the job's finish commit together, so a redelivered (or concurrent)
    message finds the job finished and leaves it alone. When the segment is gone without the
    job having finished (deleted elsewhere), the job succeeds with the LoggedSegment of its
    segment number if there is one, else fails."""
    job = BulkJob.objects.select_related("started_by").get(pk=job_id)
    if job.is_finished or job.kind != LOG_JOB_KIND:
        return
    bulk_job_start(job_id=job_id)
    try:
        language = job.params.get("language")
        with (
            translation.override(language) if language else nullcontext(),
            transaction.atomic(),
        ):
            if BulkJob.objects.select_for_update().get(pk=job_id).is_finished:
                return
            segment = Segment.objects.filter(pk=job.target_id).first()
            if segment is None:
                _log_job_segment_gone(job)
                return
            segment = _lock(segment)
            lines = SegmentLine.objects.filter(segment=segment).count()
            logged, _job, follow_up = segment_log(
                segment=segment,
                user=job.started_by,
                send=bool(job.params.get("send")),
                follow_up=bool(job.params.get("follow_up")),
                job_id=job_id,
            )
            BulkJob.objects.filter(pk=job_id).update(total=lines)
            bulk_job_finish(
                job_id=job_id,
                result=_log_job_result(logged=logged, lines=lines, follow_up=follow_up),
            )
    except (ValidationError, ApplicationError) as exc:
        segment_criteria_job_failed(job_id=job_id, error=_error_message(exc))


def _log_job_segment_gone(job: BulkJob) -> None:
    logged = LoggedSegment.objects.filter(segment_number=job.params.get("segment_number")).first()
    if logged is None:
        bulk_job_finish(job_id=job.pk, error=_("The segment no longer exists."))
        return
    lines = logged.interaction_entries.count()
    bulk_job_finish(
        job_id=job.pk, result=_log_job_result(logged=logged, lines=lines, follow_up=None)
    )
