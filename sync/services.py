"""Setup → External CRM: connection, test, enable, reset, manual coupling (SPEC 13.4)."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .adapters.base import RemoteAuthError, RemoteError, RemoteUnavailable
from .adapters.tryton import adapter_for
from .defaults import mappings_reset_to_defaults
from .engine import RowFailure, local_values, remote_to_local
from .entities import ENTITIES
from .models import (
    Direction,
    ExternalCrmConnection,
    SyncCoupling,
    SyncJob,
    SyncJobError,
    SyncJobKind,
    SyncJobStatus,
    SyncResult,
    SyncTableMapping,
)
from .texts import Source, msg, render, render_en

CONNECTION_FIELDS = [
    "base_url",
    "database",
    "username",
    "remote_company_id",
    "page_size",
    "timeout_s",
]


def connection_save(*, data: dict[str, Any]) -> ExternalCrmConnection:
    """Save the connection; an empty password keeps the stored one (never shown back)."""
    connection = ExternalCrmConnection.load()
    for name in CONNECTION_FIELDS:
        if name in data:
            setattr(connection, name, data[name])
    if data.get("password"):
        connection.set_password(data["password"])
    connection.full_clean()
    connection.save()
    return connection


def connection_test(*, connection: ExternalCrmConnection | None = None) -> tuple[bool, str]:
    """Authenticate and read one page of each mapped resource; one clear message, stored as
    its source so that the setup page shows it in the reader's language."""
    connection = connection or ExternalCrmConnection.load()
    try:
        adapter = adapter_for(connection)
        uid = adapter.login()
        resources = set(SyncTableMapping.objects.values_list("remote_resource", flat=True)) or {
            "party.party"
        }
        for resource in sorted(resources):  # may the integration user read each of them?
            adapter.existing_ids(resource, ["0"])
    except RemoteAuthError as exc:
        ok, source = False, _auth_message(exc)
    except RemoteUnavailable as exc:
        ok, source = (
            False,
            msg(
                gettext_noop(
                    "The external CRM cannot be reached: %(error)s. "
                    "Check the URL and the database name."
                ),
                error=exc,
            ),
        )
    except RemoteError as exc:
        ok, source = (
            False,
            msg(gettext_noop("The external CRM answered with an error: %(error)s"), error=exc),
        )
    else:
        connection.integration_user_remote_id = uid
        ok, source = (
            True,
            msg(
                gettext_noop("Connected as %(user)s (remote user %(uid)s)."),
                user=connection.username,
                uid=uid,
            ),
        )
    connection.last_test_at = timezone.now()
    connection.last_test_message = render_en(source)
    connection.last_test_message_source = source
    connection.save(
        update_fields=[
            "integration_user_remote_id",
            "last_test_at",
            "last_test_message",
            "last_test_message_source",
            "updated_at",
        ]
    )
    return ok, render(source)


def _auth_message(exc: RemoteAuthError) -> Source:
    if exc.status == 404 or "database" in exc.source.get("id", ""):
        return msg(
            gettext_noop(
                "The database was not found on the external CRM (check the URL and database)."
            )
        )
    return msg(gettext_noop("The external CRM refused the user name or password."))


@transaction.atomic
def connection_enable(*, enabled: bool = True) -> ExternalCrmConnection:
    """Enable (creating the default mappings when there are none) or disable the sync."""
    connection = ExternalCrmConnection.objects.select_for_update().get(
        pk=ExternalCrmConnection.load().pk
    )
    if enabled:
        ok, message = connection_test(connection=connection)
        if not ok:
            raise ValidationError(message)
        adapter_for(connection).prepare()
        if not SyncTableMapping.objects.exists():
            mappings_reset_to_defaults()
    connection.is_enabled = enabled
    connection.save(update_fields=["is_enabled", "updated_at"])
    return connection


def coupling_for(mapping: SyncTableMapping, local_id: int) -> SyncCoupling | None:
    return SyncCoupling.objects.filter(mapping=mapping, local_id=local_id).first()


def coupling_set(*, mapping: SyncTableMapping, local_id: int, remote_id: str) -> SyncCoupling:
    """SYN-14 "Set up coupling" (SYN-1: once per side)."""
    taken = SyncCoupling.objects.filter(mapping=mapping, remote_id=remote_id).exclude(
        local_id=local_id
    )
    if taken.exists():
        raise ValidationError(_("This external record is already coupled to another record."))
    coupling, _created = SyncCoupling.objects.update_or_create(
        mapping=mapping,
        local_id=local_id,
        defaults={
            "remote_id": remote_id,
            "last_local_modified_at": None,
            "last_remote_modified_at": None,
            "last_local_result": SyncResult.BLANK,
            "last_remote_result": SyncResult.BLANK,
            "last_error": "",
        },
    )
    return coupling


def coupling_remove(*, mapping: SyncTableMapping, local_ids: list[int]) -> int:
    deleted, _detail = SyncCoupling.objects.filter(mapping=mapping, local_id__in=local_ids).delete()
    return deleted


def coupling_retry(*, couplings) -> int:
    """SYN-15 retry: the next run includes them again."""
    return couplings.update(is_skipped=False, last_local_modified_at=None)


def create_in_remote(*, mapping: SyncTableMapping, local_id: int) -> SyncCoupling:
    """SYN-14 "Create in external CRM"."""
    from .engine import Run

    connection = ExternalCrmConnection.load()
    adapter = adapter_for(connection)
    job = SyncJob.objects.create(
        mapping=mapping,
        kind="coupling",
        direction=Direction.TO_REMOTE,
        status=SyncJobStatus.RUNNING,
    )
    with _one_record_job(job):
        run = Run(
            mapping=mapping, job=job, adapter=adapter, connection=connection, create_missing=True
        )
        obj = ENTITIES[mapping.local_entity].queryset().get(pk=local_id)
        values = local_values(run, [obj], [f for f in run.fields if f.is_enabled])[obj.pk]
        if isinstance(values, RowFailure):
            raise ValidationError(str(values))
        remote_values = {**mapping.remote_defaults, **values}
        (remote_id,) = adapter.create(mapping.remote_resource, [remote_values])
        modified = adapter.read(mapping.remote_resource, [remote_id], [])[0].modified
        return SyncCoupling.objects.create(
            mapping=mapping,
            local_id=obj.pk,
            remote_id=remote_id,
            last_local_modified_at=obj.sync_modified,
            last_remote_modified_at=modified,
            last_local_result=SyncResult.SUCCESS,
            last_remote_result=SyncResult.SUCCESS,
        )


@contextmanager
def _one_record_job(job: SyncJob) -> Iterator[None]:
    """The job of a one-record action (create in / from the external CRM) ends with it:
    succeeded with one record inserted, or failed with the reason; never left running."""
    try:
        yield
    except Exception as exc:
        SyncJob.objects.filter(pk=job.pk).update(
            status=SyncJobStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.SUCCEEDED, inserted=1, finished_at=timezone.now()
    )


def create_from_remote(*, mapping: SyncTableMapping, remote_id: str, user=None) -> SyncCoupling:
    """SYN-14 "Create from external CRM"."""
    job = SyncJob.objects.create(
        mapping=mapping,
        kind="coupling",
        direction=Direction.FROM_REMOTE,
        status=SyncJobStatus.RUNNING,
    )
    with _one_record_job(job):
        return _create_from_remote(job, mapping=mapping, remote_id=remote_id, user=user)


def _create_from_remote(job: SyncJob, *, mapping, remote_id: str, user) -> SyncCoupling:
    from .engine import Run, _pull_create

    connection = ExternalCrmConnection.load()
    adapter = adapter_for(connection)
    run = Run(
        mapping=mapping,
        job=job,
        adapter=adapter,
        connection=connection,
        create_missing=True,
        user=user,
    )
    fms = [f for f in run.fields if f.is_enabled and f.local_field]
    rows = adapter.read(mapping.remote_resource, [remote_id], sorted({f.remote_field for f in fms}))
    if not rows:
        raise ValidationError(_("The external record no longer exists."))
    values = remote_to_local(run, rows, fms)[rows[0].id]
    if isinstance(values, RowFailure) or not _pull_create(run, rows[0], values):
        error = job.errors.first()
        raise ValidationError(str(values) if isinstance(values, RowFailure) else error.message_text)
    return SyncCoupling.objects.get(mapping=mapping, remote_id=remote_id)


def log_purge(*, older_than_days: int | None = 7) -> int:
    """SYN-15: purge sync log entries older than N days (None: all)."""
    jobs = SyncJob.objects.exclude(status__in=["queued", "running"])
    if older_than_days is not None:
        jobs = jobs.filter(created_at__lt=timezone.now() - dt.timedelta(days=older_than_days))
    SyncJobError.objects.filter(job__in=jobs).delete()
    deleted, _detail = jobs.delete()
    return deleted


def couple_match(
    *,
    mapping: SyncTableMapping,
    local_ids: list[int] | None,
    match_fields: list[int],
    create_new: bool = False,
    sync_after: bool = False,
    user=None,
    job: SyncJob | None = None,
) -> SyncJob:
    """SYN-13 match-based coupling of the selected (or all uncoupled) local records.

    ``match_fields`` are field-mapping ids (their case sensitivity and priority apply): the
    remote is searched with the lowest priority first, adding the next priority while more
    than one remote record matches. ``job``: the queued job of ``couple_match_start``."""
    from .engine import Run

    fields = sorted(
        mapping.fields.filter(pk__in=match_fields, is_enabled=True),
        key=lambda f: (f.match_priority, f.pk),
    )
    if not fields:
        raise ValidationError(_("no matching criteria"))
    connection = ExternalCrmConnection.load()
    adapter = adapter_for(connection)
    if job is None:
        job = SyncJob(mapping=mapping, kind="coupling", direction=mapping.direction, user=user)
    job.status = "running"
    job.started_at = timezone.now()
    job.save()
    run = Run(
        mapping=mapping,
        job=job,
        adapter=adapter,
        connection=connection,
        create_missing=create_new,
        user=user,
    )
    qs = ENTITIES[mapping.local_entity].queryset()
    coupled = SyncCoupling.objects.filter(mapping=mapping).values("local_id")
    qs = qs.filter(pk__in=local_ids) if local_ids is not None else qs.exclude(pk__in=coupled)
    priorities = sorted({f.match_priority for f in fields})
    taken = set(SyncCoupling.objects.filter(mapping=mapping).values_list("remote_id", flat=True))
    new_couplings = []
    for obj in qs.order_by("pk").iterator(chunk_size=connection.page_size):
        ref = run.entity.label(obj)
        values = local_values(run, [obj], fields)[obj.pk]
        if isinstance(values, RowFailure):
            run.fail(str(values), local_ref=ref)
            continue
        found: list = []
        for depth in range(1, len(priorities) + 1):
            criteria = [
                (f.remote_field, values.get(f.remote_field, ""), f.match_case_sensitive)
                for f in fields
                if f.match_priority in priorities[:depth]
            ]
            found = adapter.search(
                mapping.remote_resource, criteria, remote_filter=mapping.remote_filter, limit=2
            )
            if len(found) <= 1:
                break
        if len(found) > 1:
            run.fail(_("multiple matches"), local_ref=ref)
        elif len(found) == 1:
            if found[0].id in taken:
                run.fail(_("already coupled"), local_ref=ref, remote_ref=found[0].id)
                continue
            coupling_set(mapping=mapping, local_id=obj.pk, remote_id=found[0].id)
            taken.add(found[0].id)
            job.coupled += 1
            new_couplings.append(obj.pk)
        elif create_new:
            coupling = create_in_remote(mapping=mapping, local_id=obj.pk)
            taken.add(coupling.remote_id)
            job.coupled += 1
            job.inserted += 1
        else:
            job.skipped += 1
    job.status = "succeeded"
    job.finished_at = timezone.now()
    job.save()
    if sync_after and new_couplings:
        from .engine import mapping_run

        mapping_run(mapping, record_ids=new_couplings, user=user)
    return job


def full_sync_finish(*, keep_creating: bool) -> None:
    """SYN-10: after a full synchronisation, whether scheduled runs keep creating records."""
    SyncTableMapping.objects.update(sync_only_coupled=not keep_creating)
    from crm.caching import bump

    bump("sync")


def couple_match_start(
    *,
    mapping: SyncTableMapping,
    local_ids: list[int] | None,
    match_fields: list[int],
    create_new: bool = False,
    sync_after: bool = False,
    user=None,
) -> SyncJob:
    """SYN-13 as a background job: a queued coupling job, run by ``sync_couple_match`` after
    the commit (the criteria are checked now, so a form error shows at once)."""
    from .tasks import sync_couple_match

    if not mapping.fields.filter(pk__in=match_fields, is_enabled=True).exists():
        raise ValidationError(_("no matching criteria"))
    with transaction.atomic():
        job = SyncJob.objects.create(
            mapping=mapping, kind="coupling", direction=mapping.direction, user=user
        )
        sync_couple_match.delay_on_commit(
            job.pk,
            {
                "local_ids": local_ids,
                "match_fields": list(match_fields),
                "create_new": create_new,
                "sync_after": sync_after,
            },
        )
    return job


def records_sync(
    *, mapping: SyncTableMapping, local_ids: list[int], winner: str = "", user=None
) -> SyncJob:
    """SYN-14 "Synchronize now" for these records: a queued job, run after the commit (the
    card polls it); on a bidirectional mapping ``winner`` ("local" or "remote") is the side
    that overwrites the other."""
    from .tasks import sync_record_push

    if mapping.direction != Direction.BIDIRECTIONAL:
        winner = "local" if mapping.direction == Direction.TO_REMOTE else "remote"
    elif winner not in ("local", "remote"):
        raise ValidationError(_("Choose which side wins."))
    job = SyncJob.objects.create(
        mapping=mapping,
        kind=SyncJobKind.SYNCHRONIZATION,
        direction=mapping.direction,
        user=user,
    )
    transaction.on_commit(
        lambda: sync_record_push.delay(mapping.pk, list(local_ids), winner, job.pk)
    )
    return job


@transaction.atomic
def couplings_remove(*, mapping: SyncTableMapping, local_ids: list[int], user=None) -> SyncJob:
    """SYN-14 "Remove coupling" for many records: an uncoupling job with its count."""
    now = timezone.now()
    count = coupling_remove(mapping=mapping, local_ids=local_ids)
    return SyncJob.objects.create(
        mapping=mapping,
        kind="uncoupling",
        user=user,
        status="succeeded",
        started_at=now,
        finished_at=timezone.now(),
        uncoupled=count,
    )
