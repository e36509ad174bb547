"""The sync engine (SPEC 13.3): runs of one table mapping, one direction at a time.

A run pages through the source side in ``page_size`` batches, oldest change first; each batch
costs a bounded number of remote calls (one read of the coupled counterparts, one ``create``
with a list, one ``write`` with every changed record) and of local queries. A row that fails
(a refused value, a conflict, a missing parent) is logged on its coupling and in the job's
errors and never stops the run; a remote that cannot be reached stops it, with the watermark
left at the last row that succeeded, so that the next run starts there and the couplings
written so far keep the two sides from getting duplicates.
"""

import contextlib
import datetime as dt
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .adapters.base import RemoteAdapter, RemoteError, RemoteRow, RemoteUnavailable
from .adapters.tryton import adapter_for
from .entities import ENTITIES, Entity, LocalField, clean_value
from .models import (
    DeletionConflict,
    Direction,
    ExternalCrmConnection,
    LocalEntity,
    ScheduleStatus,
    SyncCoupling,
    SyncFieldMapping,
    SyncJob,
    SyncJobError,
    SyncJobKind,
    SyncJobStatus,
    SyncPendingCreate,
    SyncResult,
    SyncTableMapping,
    UpdateConflict,
)
from .texts import Source, SourceError, msg, of_exception, render_en
from .transform import UNMAPPED_VALUE, TransformationError, transform

logger = logging.getLogger(__name__)

MATCH_INDEX_PAGE = 1000  # remote records per call while indexing them for match-before-create
DELETION_PAGE = 20000  # couplings checked per remote call in the deletion pass
WATERMARK_STEP = dt.timedelta(microseconds=1)
PENDING_MARGIN = dt.timedelta(minutes=10)  # clock skew allowed between this server and the remote
OK_FIELDS = [
    "last_local_modified_at",
    "last_remote_modified_at",
    "last_local_result",
    "last_remote_result",
    "last_error",
    "last_error_source",
    "last_job",
    "updated_at",
]

CONFLICT = gettext_noop("conflict: both sides changed")
PARENT_NOT_COUPLED = gettext_noop("parent not coupled")
FIELD_ERROR = gettext_noop("%(field)s: %(error)s")
REFUSED_RECORD = gettext_noop("the external CRM refused the record: %(error)s")
REFUSED_SEARCH = gettext_noop("the external CRM refused the search for a match: %(error)s")
REFUSED_CHANGE = gettext_noop("the external CRM refused the change: %(error)s")
INTERRUPTED = gettext_noop(
    "interrupted: the worker stopped during this run; the next run went on from the work it "
    "had saved"
)


class RowFailure(SourceError):
    def __init__(self, source: Source, detail: str = ""):
        super().__init__(source)
        self.detail = detail


@dataclass
class Run:
    mapping: SyncTableMapping
    job: SyncJob
    adapter: RemoteAdapter
    connection: ExternalCrmConnection
    create_missing: bool
    user: Any = None
    record_ids: list[int] | None = None
    winner: str = ""  # "local" / "remote": SYN-14 "synchronize now", the chosen side overwrites
    entity: Entity = field(init=False)
    fields: list[SyncFieldMapping] = field(init=False)
    match_index: "MatchIndex | None" = field(default=None, init=False)
    succeeded: dict[int, SyncCoupling] = field(default_factory=dict, init=False)

    def __post_init__(self):
        self.entity = ENTITIES[self.mapping.local_entity]
        self.fields = list(self.mapping.fields.select_related("transformation"))

    def travelling(self, way: str) -> list[SyncFieldMapping]:
        return [f for f in self.fields if f.travels(way)]

    def remote_names(self) -> list[str]:
        return sorted({f.remote_field for f in self.fields if f.is_enabled})

    def fail(self, message: Source, *, local_ref: str = "", remote_ref: str = "", detail: str = ""):
        self.job.failed += 1
        SyncJobError.objects.create(
            job=self.job,
            mapping=self.mapping,
            local_ref=local_ref[:100],
            remote_ref=remote_ref[:100],
            message=render_en(message),
            message_source=message,
            detail=detail,
        )


# ---- locking -----------------------------------------------------------------------------------


@contextlib.contextmanager
def mapping_lock(mapping: SyncTableMapping) -> Iterator[bool]:
    """One run per mapping at a time, across workers: a session-level advisory lock that the
    database releases by itself if the worker dies."""
    key = (7301 << 32) | zlib.crc32(f"sync-mapping:{mapping.name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::bigint)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s::bigint)", [key])


# ---- values ------------------------------------------------------------------------------------


def _coupled_mappings(target: str) -> list[SyncTableMapping]:
    entities = (
        [LocalEntity.PERSON_CONTACT, LocalEntity.COMPANY_CONTACT]
        if target == "contact"
        else [target]
    )
    return list(SyncTableMapping.objects.filter(local_entity__in=entities))


def _local_to_remote_ids(target: str, local_ids: set[int]) -> dict[int, str]:
    if not local_ids:
        return {}
    pairs = SyncCoupling.objects.filter(
        mapping__in=_coupled_mappings(target), local_id__in=local_ids
    ).values_list("local_id", "remote_id")
    return dict(pairs)


def _remote_to_local_ids(target: str, remote_ids: set[str]) -> dict[str, int]:
    if not remote_ids:
        return {}
    pairs = SyncCoupling.objects.filter(
        mapping__in=_coupled_mappings(target), remote_id__in=remote_ids
    ).values_list("remote_id", "local_id")
    return dict(pairs)


def _same(a: Any, b: Any) -> bool:
    def norm(value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return norm(a) == norm(b)


def _spec(run: Run, fm: SyncFieldMapping) -> LocalField:
    return run.entity.fields.get(fm.local_field, LocalField("text"))


def local_values(run: Run, objects: list, fms: list[SyncFieldMapping]) -> dict[int, dict]:
    """``{local id: {remote field: value}}`` of the mapped fields, ready to send (coupled
    foreign keys as remote ids, code tables as codes). Failures per row as RowFailure."""
    coupled: dict[str, dict[int, str]] = {}
    for fm in fms:
        spec = _spec(run, fm)
        if spec.kind == "coupled" and fm.local_field not in coupled:
            ids = {getattr(o, f"{fm.local_field}_id") for o in objects} - {None}
            coupled[fm.local_field] = _local_to_remote_ids(spec.target, ids)
    result: dict[int, dict] = {}
    for obj in objects:
        values: dict[str, Any] = {}
        try:
            for fm in fms:
                if fm.constant_value and not fm.local_field:
                    values[fm.remote_field] = fm.constant_value
                    continue
                spec = _spec(run, fm)
                if spec.kind == "coupled":
                    local_id = getattr(obj, f"{fm.local_field}_id")
                    remote_id = coupled[fm.local_field].get(local_id, "") if local_id else ""
                    if local_id and not remote_id:
                        if fm.local_field == run.entity.parent:
                            raise RowFailure(msg(PARENT_NOT_COUPLED))
                        continue  # a salesperson or currency not coupled: leave the field alone
                    value: Any = remote_id
                elif spec.kind == "code":
                    related = getattr(obj, fm.local_field)
                    value = related.code if related else ""
                else:
                    value = getattr(obj, fm.local_field)
                    value = "" if value is None and spec.kind == "text" else value
                try:
                    value = transform(fm.transformation, value, Direction.TO_REMOTE, fm.local_field)
                except TransformationError as exc:
                    if not fm.clear_on_failure:
                        raise RowFailure(exc.source) from exc
                    value = ""
                if fm.is_not_null and value in ("", None):
                    continue
                values[fm.remote_field] = value
        except RowFailure as exc:
            result[obj.pk] = exc  # type: ignore[assignment]
            continue
        result[obj.pk] = values
    return result


def remote_to_local(run: Run, rows: list[RemoteRow], fms: list[SyncFieldMapping]) -> dict:
    """``{remote id: {local field: python value}}`` (or RowFailure) of the mapped fields."""
    coupled_ids: dict[str, dict[str, int]] = {}
    for fm in fms:
        spec = _spec(run, fm)
        if spec.kind == "coupled" and fm.local_field not in coupled_ids:
            remote = {str(r.values.get(fm.remote_field) or "") for r in rows} - {""}
            coupled_ids[fm.local_field] = _remote_to_local_ids(spec.target, remote)
    codes: dict[str, dict[str, Any]] = {}
    for fm in fms:
        spec = _spec(run, fm)
        if spec.kind == "code" and fm.local_field not in codes:
            from django.apps import apps

            model = apps.get_model(spec.target)
            wanted = {str(r.values.get(fm.remote_field) or "") for r in rows} - {""}
            codes[fm.local_field] = {c.code: c for c in model.objects.filter(code__in=wanted)}
    result: dict[str, Any] = {}
    for row in rows:
        values: dict[str, Any] = {}
        try:
            for fm in fms:
                if not fm.local_field:
                    continue
                if fm.constant_value:
                    values[fm.local_field] = fm.constant_value
                    continue
                raw = row.values.get(fm.remote_field)
                try:
                    raw = transform(fm.transformation, raw, Direction.FROM_REMOTE, fm.remote_field)
                except TransformationError as exc:
                    if not fm.clear_on_failure:
                        raise RowFailure(exc.source) from exc
                    raw = ""
                if fm.is_not_null and raw in ("", None):
                    continue
                spec = _spec(run, fm)
                if spec.kind == "coupled":
                    if raw in ("", None):
                        values[fm.local_field] = None
                        continue
                    local_id = coupled_ids[fm.local_field].get(str(raw))
                    if local_id is None:
                        if fm.local_field == run.entity.parent:
                            raise RowFailure(msg(PARENT_NOT_COUPLED))
                        continue
                    values[f"{fm.local_field}_id"] = local_id
                elif spec.kind == "code":
                    if raw in ("", None):
                        values[fm.local_field] = None
                    elif str(raw) in codes[fm.local_field]:
                        values[fm.local_field] = codes[fm.local_field][str(raw)]
                    else:
                        raise RowFailure(msg(UNMAPPED_VALUE, value=str(raw), field=fm.remote_field))
                else:
                    try:
                        values[fm.local_field] = clean_value(spec, raw)
                    except ValidationError as exc:
                        if fm.clear_on_failure:
                            values[fm.local_field] = clean_value(spec, "")
                            continue
                        raise RowFailure(
                            msg(FIELD_ERROR, field=fm.remote_field, error=of_exception(exc)),
                            detail=repr(raw),
                        ) from exc
        except RowFailure as exc:
            result[row.id] = exc
            continue
        result[row.id] = values
    return result


def _resolve_fk_ids(entity: Entity, values: dict) -> dict:
    """``company_id``-style keys into instances for the services."""
    resolved = dict(values)
    for key in list(resolved):
        if key.endswith("_id") and key[:-3] in entity.fields:
            name = key[:-3]
            model = entity.model._meta.get_field(name).related_model
            resolved[name] = model.objects.get(pk=resolved.pop(key))
    return resolved


def _local_differs(obj, values: dict) -> dict:
    changes = {}
    for name, value in values.items():
        current = getattr(obj, name, None)
        if hasattr(value, "pk"):
            if getattr(obj, f"{name}_id", None) != value.pk:
                changes[name] = value
        elif name.endswith("_id"):
            if current != value:
                changes[name] = value
        elif not _same(current, value):
            changes[name] = value
    return changes


def _error_source(exc: Exception) -> Source:
    return of_exception(exc)


# ---- local → remote ----------------------------------------------------------------------------


def _filtered_local(run: Run):
    qs = run.entity.queryset()
    if run.mapping.local_filter:
        try:
            qs = qs.filter(
                pk__in=run.entity.model.objects.filter(**run.mapping.local_filter).values("pk")
            )
        except (FieldError, ValueError, TypeError) as exc:
            raise RemoteError(
                gettext_noop("the local filter is not valid: %(error)s"), params={"error": str(exc)}
            ) from exc
    return qs


def push(run: Run) -> None:
    mapping, _adapter = run.mapping, run.adapter
    fms = run.travelling(Direction.TO_REMOTE)
    if not fms:
        return
    recover_pending_creates(run)
    qs = _filtered_local(run)
    if run.record_ids is not None:
        qs = qs.filter(pk__in=run.record_ids)
    elif mapping.local_watermark and not run.create_missing:
        failed = SyncCoupling.objects.filter(
            Q(last_local_result=SyncResult.FAILURE) | Q(last_remote_result=SyncResult.FAILURE),
            mapping=mapping,
            is_skipped=False,
        ).values("local_id")
        qs = qs.filter(Q(sync_modified__gte=mapping.local_watermark) | Q(pk__in=failed))
    qs = qs.order_by("sync_modified", "pk")
    watermark = mapping.local_watermark
    blocked = False  # a failed row stops the watermark (it only passes rows that succeeded)
    page = mapping_page_size(run)
    remote_names = run.remote_names()
    batch: list = []
    for obj in qs.iterator(chunk_size=page):
        batch.append(obj)
        if len(batch) >= page:
            ok_until, failed_any = _push_batch(run, batch, fms, remote_names)
            watermark, blocked = _advance(watermark, blocked, ok_until, failed_any)
            batch = []
    if batch:
        ok_until, failed_any = _push_batch(run, batch, fms, remote_names)
        watermark, blocked = _advance(watermark, blocked, ok_until, failed_any)
    if run.record_ids is None:
        mapping.local_watermark = watermark
        mapping.save(update_fields=["local_watermark"])


def mapping_page_size(run: Run) -> int:
    return max(1, run.connection.page_size)


def _advance(watermark, blocked: bool, ok_until, failed_any: bool, step=dt.timedelta(0)):
    """The watermark passes the rows processed successfully, and only them. On the remote
    side it is set just after the last one (``step``, 1 µs): the next run asks for rows
    modified at or after it, so the rows that shared the last timestamp (a page of records
    that one remote transaction created) are not read and compared again on every run."""
    if not blocked and ok_until is not None:
        ok_until += step
        watermark = max(watermark, ok_until) if watermark else ok_until
    return watermark, blocked or failed_any


def _push_batch(run: Run, objects: list, fms, remote_names) -> tuple[Any, bool]:
    """One page local → remote. Returns (latest modified time before the first failure, failed)."""
    mapping, adapter = run.mapping, run.adapter
    couplings = {
        c.local_id: c
        for c in SyncCoupling.objects.filter(mapping=mapping, local_id__in=[o.pk for o in objects])
    }
    values = local_values(run, objects, fms)
    if run.create_missing:  # SYN-10: an uncoupled row matching one remote record is coupled
        couplings.update(
            _match_before_create(
                run,
                [
                    (o, values[o.pk])
                    for o in objects
                    if o.pk not in couplings and not isinstance(values[o.pk], RowFailure)
                ],
            )
        )
    remote_rows = {
        r.id: r
        for r in adapter.read(
            mapping.remote_resource, [c.remote_id for c in couplings.values()], remote_names
        )
    }
    bidirectional = {f.remote_field for f in fms if f.direction == Direction.BIDIRECTIONAL}
    to_create: list[tuple[Any, dict]] = []
    to_write: list[tuple[Any, SyncCoupling, dict]] = []
    outcome: dict[int, bool] = {}
    for obj in objects:
        coupling = couplings.get(obj.pk)
        ref = run.entity.label(obj)
        row_values = values[obj.pk]
        if isinstance(row_values, RowFailure):
            _coupling_failed(run, coupling, row_values.source, local_ref=ref, side="remote")
            outcome[obj.pk] = False
            continue
        if coupling is None:
            if mapping.sync_only_coupled and not run.create_missing:
                run.job.skipped += 1
                outcome[obj.pk] = True
                continue
            to_create.append((obj, {**mapping.remote_defaults, **row_values}))
            continue
        if coupling.is_skipped:
            run.job.skipped += 1
            outcome[obj.pk] = True
            continue
        remote = remote_rows.get(coupling.remote_id)
        if remote is None:
            outcome[obj.pk] = _remote_deleted(run, obj, coupling)
            continue
        local_changed = (
            coupling.last_local_modified_at is None
            or obj.sync_modified > coupling.last_local_modified_at
        )
        if not local_changed and not coupling.failed and run.winner != "local":
            run.job.unchanged += 1
            outcome[obj.pk] = True
            continue
        remote_changed = _remote_changed(run, coupling, remote)
        changes = {k: v for k, v in row_values.items() if not _same(v, remote.values.get(k))}
        if run.winner != "local" and remote_changed and changes.keys() & bidirectional:
            strategy = mapping.update_conflict
            if run.winner == "remote" or strategy == UpdateConflict.REMOTE_WINS:
                outcome[obj.pk] = True  # the pull takes the remote values
                continue
            if strategy != UpdateConflict.LOCAL_WINS:
                _coupling_failed(
                    run,
                    coupling,
                    msg(CONFLICT),
                    local_ref=ref,
                    side="both",
                    remote_ref=coupling.remote_id,
                )
                outcome[obj.pk] = False
                continue
        if not changes:
            run.job.unchanged += 1
            _coupling_ok(coupling, local=obj.sync_modified, remote=remote.modified, run=run)
            outcome[obj.pk] = True
            continue
        to_write.append((obj, coupling, changes))
    outcome.update(_push_creates(run, to_create))
    outcome.update(_push_writes(run, to_write))
    flush_couplings(run)
    return _ok_until(objects, outcome)


def _ok_until(objects: list, outcome: dict[int, bool]) -> tuple[Any, bool]:
    ok_until = None
    for obj in objects:
        if not outcome.get(obj.pk, True):
            return ok_until, True
        ok_until = obj.sync_modified
    return ok_until, False


def _remote_changed(run: Run, coupling: SyncCoupling, remote: RemoteRow) -> bool:
    if remote.modified_by and remote.modified_by == run.connection.integration_user_remote_id:
        return False
    return coupling.last_remote_modified_at is None or (
        remote.modified is not None and remote.modified > coupling.last_remote_modified_at
    )


def _isolate(call, items: list) -> dict[int, Exception | Any]:
    """Run ``call`` on all items at once; if the remote refuses the batch, one at a time, so
    that only the rows it refuses fail (SYN-16: other 4xx → the row fails)."""
    try:
        return dict(enumerate(call(items)))
    except RemoteUnavailable:
        raise
    except RemoteError:
        if len(items) == 1:
            raise
    results: dict[int, Any] = {}
    for index, item in enumerate(items):
        try:
            results[index] = call([item])[0]
        except RemoteUnavailable:
            raise
        except RemoteError as exc:
            results[index] = exc
    return results


def _push_creates(run: Run, items: list[tuple[Any, dict]]) -> dict[int, bool]:
    """Create the counterparts of a page in one call and couple them in one transaction.

    Each row is first written to SyncPendingCreate (committed before the call): a worker that
    dies after the remote created the records but before the couplings committed leaves these
    rows, and the next run couples the records it finds instead of creating them again
    (:func:`recover_pending_creates`)."""
    if not items:
        return {}
    mapping, adapter = run.mapping, run.adapter
    SyncPendingCreate.objects.bulk_create(
        [
            SyncPendingCreate(
                mapping=mapping,
                local_id=obj.pk,
                local_modified_at=obj.sync_modified,
                match_values=values,
            )
            for obj, values in items
        ],
        ignore_conflicts=True,
    )

    def create(batch):
        return adapter.create(mapping.remote_resource, [v for _o, v in batch])

    try:
        results = _isolate(create, items)
    except RemoteUnavailable:
        raise
    except RemoteError as exc:  # a single row refused
        results = {0: exc}
    new_ids = [r for r in results.values() if isinstance(r, str)]
    modified = {r.id: r.modified for r in adapter.read(mapping.remote_resource, new_ids, [])}
    outcome: dict[int, bool] = {}
    couplings = []
    for index, (obj, _values) in enumerate(items):
        result = results.get(index)
        if isinstance(result, Exception):
            run.fail(
                msg(REFUSED_RECORD, error=of_exception(result)),
                local_ref=run.entity.label(obj),
                detail=getattr(result, "detail", ""),
            )
            outcome[obj.pk] = False
            continue
        couplings.append(
            SyncCoupling(
                mapping=mapping,
                local_id=obj.pk,
                remote_id=result,
                last_local_modified_at=obj.sync_modified,
                last_remote_modified_at=modified.get(result),
                last_local_result=SyncResult.SUCCESS,
                last_remote_result=SyncResult.SUCCESS,
                last_job=run.job,
            )
        )
        outcome[obj.pk] = True
    with transaction.atomic():
        SyncCoupling.objects.bulk_create(couplings)
        SyncPendingCreate.objects.filter(
            mapping=mapping, local_id__in=[obj.pk for obj, _v in items]
        ).delete()
    run.job.inserted += len(couplings)
    run.job.coupled += len(couplings)
    return outcome


def _norm(value: Any, case_sensitive: bool) -> str:
    text = "" if value is None else str(value)
    return text if case_sensitive else text.casefold()


class MatchIndex:
    """The uncoupled remote records of a mapping by the values of its matching fields, read
    once per full synchronisation (SYN-10 match-before-create without a search per row)."""

    def __init__(self, rows: list[RemoteRow], keys: list[SyncFieldMapping], taken: set[str]):
        self.ids: dict[tuple[str, bool], dict[str, set[str]]] = {}
        for key in keys:
            by_value = self.ids.setdefault((key.remote_field, key.match_case_sensitive), {})
            for row in rows:
                value = row.values.get(key.remote_field)
                if row.id not in taken and value not in ("", None):
                    by_value.setdefault(_norm(value, key.match_case_sensitive), set()).add(row.id)
        self.taken: set[str] = set()

    def find(self, criteria: list[tuple[str, Any, bool]]) -> set[str]:
        found: set[str] | None = None
        for name, value, case_sensitive in criteria:
            ids = self.ids.get((name, case_sensitive), {}).get(_norm(value, case_sensitive), set())
            found = ids if found is None else found & ids
            if not found:
                return set()
        return (found or set()) - self.taken


def _match_keys(run: Run) -> list[SyncFieldMapping]:
    return sorted(
        (f for f in run.fields if f.use_for_matching and f.is_enabled),
        key=lambda f: (f.match_priority, f.pk),
    )


def _match_index(run: Run, keys: list[SyncFieldMapping]) -> MatchIndex:
    if run.match_index is None:
        names = sorted({f.remote_field for f in keys})
        rows: list[RemoteRow] = []
        while True:
            page = run.adapter.modified_since(
                run.mapping.remote_resource,
                None,
                remote_filter=run.mapping.remote_filter,
                fields=names,
                after=rows[-1] if rows else None,
                limit=MATCH_INDEX_PAGE,
            )
            rows += page
            if len(page) < MATCH_INDEX_PAGE:
                break
        taken = set(
            SyncCoupling.objects.filter(mapping=run.mapping).values_list("remote_id", flat=True)
        )
        run.match_index = MatchIndex(rows, keys, taken)
    return run.match_index


def _match_before_create(run: Run, items: list[tuple[Any, dict]]) -> dict[int, SyncCoupling]:
    """Full synchronisation: a local row whose matching fields find exactly one uncoupled
    remote record is coupled to it instead of creating a duplicate (e.g. currencies); the page
    then treats it as any coupled row (compared, written when it differs)."""
    keys = _match_keys(run)
    if not keys or not items:
        return {}
    index = _match_index(run, keys)
    new = []
    for obj, values in items:
        criteria = [
            (f.remote_field, values.get(f.remote_field), f.match_case_sensitive)
            for f in keys
            if values.get(f.remote_field) not in ("", None)
        ]
        found = index.find(criteria) if criteria else set()
        if len(found) == 1:
            (remote_id,) = found
            index.taken.add(remote_id)
            new.append(SyncCoupling(mapping=run.mapping, local_id=obj.pk, remote_id=remote_id))
    for coupling in new:
        coupling.last_job = run.job
    SyncCoupling.objects.bulk_create(new)
    run.job.coupled += len(new)
    return {c.local_id: c for c in new}


def recover_pending_creates(run: Run) -> None:
    """Couple the remote records that a dead worker created without coupling them.

    One ``create`` call makes all the records of its page or none, in order; so the remote
    records created by the integration user since the oldest pending row, not coupled yet, are
    paired with the pending rows of the same matching values, in order. Pending rows without a
    counterpart are dropped: their records are created by this run like any uncoupled row."""
    pending = list(SyncPendingCreate.objects.filter(mapping=run.mapping).order_by("pk"))
    if not pending:
        return
    keys = [f.remote_field for f in _match_keys(run)] or ["name"]
    names = sorted({k for k in keys if any(k in p.match_values for p in pending)})
    created_by = run.connection.integration_user_remote_id or run.adapter.login()
    taken = set(
        SyncCoupling.objects.filter(mapping=run.mapping).values_list("remote_id", flat=True)
    )
    rows = [
        r
        for r in run.adapter.created_since(
            run.mapping.remote_resource,
            min(p.created_at for p in pending) - PENDING_MARGIN,
            created_by=created_by,
            fields=names,
        )
        if r.id not in taken
    ]

    def key(values: dict) -> tuple:
        return tuple(_norm(values.get(n), False).strip() for n in names)

    remote_by_key: dict[tuple, list[RemoteRow]] = {}
    for row in sorted(rows, key=lambda r: int(r.id) if r.id.isdigit() else r.id):
        remote_by_key.setdefault(key(row.values), []).append(row)
    local_by_key: dict[tuple, list[SyncPendingCreate]] = {}
    for row in pending:
        local_by_key.setdefault(key(row.match_values), []).append(row)
    couplings = []
    for values_key, waiting in local_by_key.items():
        found = remote_by_key.get(values_key, [])
        if not names or len(found) > len(waiting):
            continue  # ambiguous: created again rather than coupled to a stranger
        for local, remote in zip(waiting, found, strict=False):
            couplings.append(
                SyncCoupling(
                    mapping=run.mapping,
                    local_id=local.local_id,
                    remote_id=remote.id,
                    last_local_modified_at=local.local_modified_at,
                    last_remote_modified_at=remote.modified,
                    last_local_result=SyncResult.SUCCESS,
                    last_remote_result=SyncResult.SUCCESS,
                    last_job=run.job,
                )
            )
    with transaction.atomic():
        SyncCoupling.objects.bulk_create(couplings, ignore_conflicts=True)
        SyncPendingCreate.objects.filter(pk__in=[p.pk for p in pending]).delete()
    logger.info("sync %s: %s interrupted creations coupled", run.mapping, len(couplings))
    run.job.inserted += len(couplings)
    run.job.coupled += len(couplings)


def _push_writes(run: Run, items: list[tuple[Any, SyncCoupling, dict]]) -> dict[int, bool]:
    if not items:
        return {}
    mapping, adapter = run.mapping, run.adapter

    def write(batch):
        adapter.write(mapping.remote_resource, [(c.remote_id, ch) for _o, c, ch in batch])
        return [True] * len(batch)

    try:
        results = _isolate(write, items)
    except RemoteError as exc:
        results = {0: exc}
    written = [
        c.remote_id for index, (_o, c, _ch) in enumerate(items) if results.get(index) is True
    ]
    modified = {r.id: r.modified for r in adapter.read(mapping.remote_resource, written, [])}
    outcome = {}
    for index, (obj, coupling, _changes) in enumerate(items):
        result = results.get(index)
        if isinstance(result, Exception):
            _coupling_failed(
                run,
                coupling,
                msg(REFUSED_CHANGE, error=of_exception(result)),
                local_ref=run.entity.label(obj),
                remote_ref=coupling.remote_id,
                side="remote",
                detail=getattr(result, "detail", ""),
            )
            outcome[obj.pk] = False
            continue
        _coupling_ok(
            coupling, local=obj.sync_modified, remote=modified.get(coupling.remote_id), run=run
        )
        run.job.modified += 1
        outcome[obj.pk] = True
    return outcome


def _coupling_ok(coupling: SyncCoupling, *, run: Run, local=None, remote=None) -> None:
    """Mark ``coupling`` synchronised; written with the others of its page by
    :func:`flush_couplings` (one UPDATE per page, not one per row)."""
    if local is not None:
        coupling.last_local_modified_at = local
    if remote is not None:
        coupling.last_remote_modified_at = remote
    coupling.last_local_result = SyncResult.SUCCESS
    coupling.last_remote_result = SyncResult.SUCCESS
    coupling.last_error = ""
    coupling.last_error_source = None
    coupling.last_job = run.job
    run.succeeded[coupling.pk] = coupling


def flush_couplings(run: Run) -> None:
    if not run.succeeded:
        return
    now = timezone.now()
    couplings = list(run.succeeded.values())
    for coupling in couplings:
        coupling.updated_at = now
    run.succeeded = {}
    SyncCoupling.objects.bulk_update(couplings, OK_FIELDS, batch_size=1000)


def _coupling_failed(
    run: Run,
    coupling: SyncCoupling | None,
    message: Source,
    *,
    local_ref: str = "",
    remote_ref: str = "",
    side: str = "remote",
    detail: str = "",
) -> None:
    run.fail(message, local_ref=local_ref, remote_ref=remote_ref, detail=detail)
    if coupling is None:
        return
    run.succeeded.pop(coupling.pk, None)
    if side in ("remote", "both"):
        coupling.last_remote_result = SyncResult.FAILURE
    if side in ("local", "both"):
        coupling.last_local_result = SyncResult.FAILURE
    coupling.last_error = render_en(message)
    coupling.last_error_source = message
    coupling.last_job = run.job
    coupling.save(
        update_fields=[
            "last_local_result",
            "last_remote_result",
            "last_error",
            "last_error_source",
            "last_job",
            "updated_at",
        ]
    )


# ---- remote → local ----------------------------------------------------------------------------


def pull(run: Run) -> None:
    mapping, adapter = run.mapping, run.adapter
    fms = run.travelling(Direction.FROM_REMOTE)
    if not fms:
        return
    names = sorted({f.remote_field for f in fms})
    page = mapping_page_size(run)
    watermark = mapping.remote_watermark
    blocked = False
    if run.record_ids is not None:
        remote_ids = list(
            SyncCoupling.objects.filter(mapping=mapping, local_id__in=run.record_ids).values_list(
                "remote_id", flat=True
            )
        )
        for start in range(0, len(remote_ids), page):
            rows = adapter.read(mapping.remote_resource, remote_ids[start : start + page], names)
            _pull_batch(run, rows, fms)
        return
    since = None if run.create_missing else mapping.remote_watermark
    last = None
    while True:
        rows = adapter.modified_since(
            mapping.remote_resource,
            since,
            remote_filter=mapping.remote_filter,
            fields=names,
            after=last,
            limit=page,
        )
        ok_until, failed_any = _pull_batch(run, rows, fms)
        watermark, blocked = _advance(watermark, blocked, ok_until, failed_any, WATERMARK_STEP)
        if len(rows) < page:
            break
        last = rows[-1]
    mapping.remote_watermark = watermark
    mapping.save(update_fields=["remote_watermark"])


def _pull_batch(run: Run, rows: list[RemoteRow], fms) -> tuple[Any, bool]:
    mapping = run.mapping
    couplings = {
        c.remote_id: c
        for c in SyncCoupling.objects.filter(mapping=mapping, remote_id__in=[r.id for r in rows])
    }
    locals_ = {
        o.pk: o
        for o in run.entity.queryset().filter(pk__in=[c.local_id for c in couplings.values()])
    }
    values = remote_to_local(run, rows, fms)
    bidirectional = {f.local_field for f in fms if f.direction == Direction.BIDIRECTIONAL}
    ok_until, failed_any = None, False
    for row in rows:
        ok = _pull_row(run, row, couplings.get(row.id), locals_, values[row.id], bidirectional)
        if not ok:
            failed_any = True
        if not failed_any:
            ok_until = row.modified
    flush_couplings(run)
    return ok_until, failed_any


def _pull_row(run, row: RemoteRow, coupling, locals_, row_values, bidirectional) -> bool:
    mapping = run.mapping
    own_change = bool(row.modified_by) and row.modified_by == (
        run.connection.integration_user_remote_id
    )
    if isinstance(row_values, RowFailure):
        _coupling_failed(
            run,
            coupling,
            row_values.source,
            remote_ref=row.id,
            side="local",
            detail=row_values.detail,
        )
        return False
    if coupling is None:
        if own_change and not run.create_missing:
            run.job.unchanged += 1  # SYN-4: made by the sync itself
            return True
        if mapping.sync_only_coupled and not run.create_missing:
            run.job.skipped += 1
            return True
        return _pull_create(run, row, row_values)
    if coupling.is_skipped:
        run.job.skipped += 1
        return True
    obj = locals_.get(coupling.local_id)
    if obj is None:
        return _local_deleted(run, coupling, row)
    remote_changed = _remote_changed(run, coupling, row)
    if not remote_changed and not coupling.failed and run.winner != "remote":
        run.job.unchanged += 1
        return True
    resolved = _resolve_fk_ids(run.entity, row_values)
    changes = _local_differs(obj, resolved)
    local_changed = (
        coupling.last_local_modified_at is None
        or obj.sync_modified > coupling.last_local_modified_at
    )
    conflicting = {k.removesuffix("_id") for k in changes} & bidirectional
    if run.winner != "remote" and local_changed and conflicting:
        strategy = mapping.update_conflict
        if run.winner == "local" or strategy == UpdateConflict.LOCAL_WINS:
            return True  # the push already sent the local values
        if strategy != UpdateConflict.REMOTE_WINS:
            _coupling_failed(
                run,
                coupling,
                msg(CONFLICT),
                local_ref=run.entity.label(obj),
                remote_ref=row.id,
                side="both",
            )
            return False
    if not changes:
        run.job.unchanged += 1
        _coupling_ok(coupling, local=obj.sync_modified, remote=row.modified, run=run)
        return True
    validate = all(f.validate_on_write for f in run.fields if f.local_field in changes)
    try:
        with transaction.atomic():
            run.entity.update(obj, changes, run.user, validate)
    except (ValidationError, ValueError) as exc:
        _coupling_failed(
            run,
            coupling,
            _error_source(exc),
            local_ref=run.entity.label(obj),
            remote_ref=row.id,
            side="local",
        )
        return False
    fresh = run.entity.queryset().get(pk=obj.pk)
    _coupling_ok(coupling, local=fresh.sync_modified, remote=row.modified, run=run)
    run.job.modified += 1
    return True


def _pull_create(run: Run, row: RemoteRow, row_values: dict) -> bool:
    mapping = run.mapping
    values = {**mapping.local_defaults, **_resolve_fk_ids(run.entity, row_values)}
    if run.entity.key == LocalEntity.SALESPERSON:
        values["_remote_id"] = row.id
    validate = all(f.validate_on_write for f in run.fields)
    try:
        with transaction.atomic():
            obj = run.entity.create(values, run.user, validate)
            fresh = run.entity.queryset().get(pk=obj.pk)
            SyncCoupling.objects.create(
                mapping=mapping,
                local_id=obj.pk,
                remote_id=row.id,
                last_local_modified_at=fresh.sync_modified,
                last_remote_modified_at=row.modified,
                last_local_result=SyncResult.SUCCESS,
                last_remote_result=SyncResult.SUCCESS,
                last_job=run.job,
            )
    except (ValidationError, ValueError) as exc:
        run.fail(_error_source(exc), remote_ref=f"{row.id} {row.values.get('name', '')}".strip())
        return False
    run.job.inserted += 1
    run.job.coupled += 1
    return True


# ---- deletions (SYN-6) -------------------------------------------------------------------------


def _remote_deleted(run: Run, obj, coupling: SyncCoupling) -> bool:
    strategy = run.mapping.deletion_conflict
    ref = run.entity.label(obj)
    if strategy == DeletionConflict.REMOVE_COUPLING:
        coupling.delete()
        run.job.uncoupled += 1
        return True
    if strategy == DeletionConflict.RESTORE:
        values = local_values(run, [obj], [f for f in run.fields if f.is_enabled and f.local_field])
        row_values = values[obj.pk]
        if isinstance(row_values, RowFailure):
            _coupling_failed(run, coupling, row_values.source, local_ref=ref)
            return False
        try:
            (new_id,) = run.adapter.create(
                run.mapping.remote_resource, [{**run.mapping.remote_defaults, **row_values}]
            )
        except RemoteUnavailable:
            raise
        except RemoteError as exc:
            _coupling_failed(run, coupling, exc.source, local_ref=ref, detail=exc.detail)
            return False
        modified = {
            r.id: r.modified for r in run.adapter.read(run.mapping.remote_resource, [new_id], [])
        }
        coupling.remote_id = new_id
        coupling.save(update_fields=["remote_id"])
        _coupling_ok(coupling, local=obj.sync_modified, remote=modified.get(new_id), run=run)
        run.job.inserted += 1
        return True
    _coupling_failed(
        run,
        coupling,
        msg(gettext_noop("the coupled record was deleted in the external CRM")),
        local_ref=ref,
        remote_ref=coupling.remote_id,
    )
    return False


def _local_deleted(run: Run, coupling: SyncCoupling, row: RemoteRow | None) -> bool:
    strategy = run.mapping.deletion_conflict
    if strategy == DeletionConflict.REMOVE_COUPLING:
        coupling.delete()
        run.job.uncoupled += 1
        return True
    if strategy == DeletionConflict.RESTORE:
        fms = [f for f in run.fields if f.is_enabled and f.local_field]
        if row is None or set(row.values) < {f.remote_field for f in fms}:
            rows = run.adapter.read(
                run.mapping.remote_resource,
                [coupling.remote_id],
                sorted({f.remote_field for f in fms}),
            )
            if not rows:
                coupling.delete()
                run.job.uncoupled += 1
                return True
            row = rows[0]
        values = remote_to_local(run, [row], fms)[row.id]
        if isinstance(values, RowFailure):
            _coupling_failed(run, coupling, values.source, remote_ref=row.id, side="local")
            return False
        coupling.delete()
        return _pull_create(run, row, values)
    _coupling_failed(
        run,
        coupling,
        msg(gettext_noop("the coupled record was deleted in this CRM")),
        remote_ref=coupling.remote_id,
        side="local",
    )
    return False


def deletion_pass(run: Run) -> None:
    """Couplings whose local or remote record no longer exists (SYN-6, SYN-15): one local
    anti-join and one remote call per ``DELETION_PAGE`` couplings; rows are loaded only for
    the couplings that lost a side."""
    couplings = SyncCoupling.objects.filter(mapping=run.mapping, is_skipped=False)
    local_gone = set(
        couplings.exclude(local_id__in=run.entity.model.objects.values("pk")).values_list(
            "pk", flat=True
        )
    )
    remote_gone: set[int] = set()
    last = 0
    while True:
        chunk = list(
            couplings.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "remote_id")[:DELETION_PAGE]
        )
        if not chunk:
            break
        last = chunk[-1][0]
        existing = run.adapter.existing_ids(run.mapping.remote_resource, [r for _pk, r in chunk])
        remote_gone.update(pk for pk, remote_id in chunk if remote_id not in existing)
    for coupling in SyncCoupling.objects.filter(pk__in=local_gone | remote_gone).order_by("pk"):
        if coupling.pk in local_gone and coupling.pk in remote_gone:
            coupling.delete()
            run.job.uncoupled += 1
        elif coupling.pk in remote_gone:
            obj = run.entity.queryset().filter(pk=coupling.local_id).first()
            if obj is None:  # outside the entity now (e.g. an opportunity closed)
                continue
            _remote_deleted(run, obj, coupling)
        else:
            _local_deleted(run, coupling, None)
    flush_couplings(run)


# ---- runs --------------------------------------------------------------------------------------


def mapping_run(
    mapping: SyncTableMapping,
    *,
    job: SyncJob | None = None,
    full: bool = False,
    user=None,
    record_ids: list[int] | None = None,
    winner: str = "",
    adapter: RemoteAdapter | None = None,
) -> SyncJob:
    """One run of ``mapping``: its ways in SYN-3 order, then the deletion check; idempotent
    (a redelivered run finds the couplings and watermarks the first one committed)."""
    conn = ExternalCrmConnection.load()
    if job is None:
        job = SyncJob.objects.create(
            mapping=mapping,
            kind=SyncJobKind.FULL_SYNC if full else SyncJobKind.SYNCHRONIZATION,
            direction=mapping.direction,
            user=user,
        )
    with mapping_lock(mapping) as acquired:
        if not acquired:
            job.status = SyncJobStatus.SKIPPED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
            return job
        job.status = SyncJobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
        _interrupted_runs_close(mapping, job)
        mapping.refresh_from_db()
        run = Run(
            mapping=mapping,
            job=job,
            adapter=adapter or adapter_for(conn),
            connection=conn,
            create_missing=full,
            user=user,
            record_ids=record_ids,
            winner=winner,
        )
        try:
            if full:
                mapping.is_full_sync_running = True
                mapping.save(update_fields=["is_full_sync_running"])
            ways = mapping.ways()
            if winner == "remote" and len(ways) == 2:
                ways = list(reversed(ways))
            for way in ways:
                push(run) if way == Direction.TO_REMOTE else pull(run)
            if record_ids is None:
                deletion_pass(run)
        except RemoteError as exc:
            job.status = SyncJobStatus.FAILED
            job.message = render_en(exc.source)
            job.message_source = exc.source
            SyncJobError.objects.create(
                job=job,
                mapping=mapping,
                message=job.message,
                message_source=exc.source,
                detail=exc.detail,
            )
        else:
            job.status = SyncJobStatus.SUCCEEDED
        finally:
            flush_couplings(run)
            if full:
                mapping.is_full_sync_running = False
        _schedule_bookkeeping(mapping, job)
        job.finished_at = timezone.now()
        job.save()
    return job


def _interrupted_runs_close(mapping: SyncTableMapping, job: SyncJob) -> None:
    """Another "running" job of this mapping while this run holds the mapping's lock died
    with its worker (the lock is a session lock: it went with the connection). Close it as
    failed, saying so, so the log never shows a run that goes on forever."""
    stale = SyncJob.objects.filter(
        mapping=mapping,
        status=SyncJobStatus.RUNNING,
        kind__in=[SyncJobKind.SYNCHRONIZATION, SyncJobKind.FULL_SYNC],  # the runs under the lock
    ).exclude(pk=job.pk)
    source = msg(INTERRUPTED)
    stale.update(
        status=SyncJobStatus.FAILED,
        message=render_en(source),
        message_source=source,
        finished_at=timezone.now(),
    )


def _schedule_bookkeeping(mapping: SyncTableMapping, job: SyncJob) -> None:
    """SYN-11: a run without any change counts toward inactivity."""
    now = timezone.now()
    mapping.last_run_at = now
    if job.changes or job.failed or mapping.last_change_at is None:
        mapping.last_change_at = now
    elif mapping.inactivity_timeout_min and now - mapping.last_change_at >= dt.timedelta(
        minutes=mapping.inactivity_timeout_min
    ):
        mapping.schedule_status = ScheduleStatus.ON_HOLD_INACTIVE
    mapping.save(
        update_fields=["last_run_at", "last_change_at", "schedule_status", "is_full_sync_running"]
    )


def dependency_order(mappings: list[SyncTableMapping]) -> list[SyncTableMapping]:
    """SYN-9: a mapping after every mapping it depends on."""
    by_name = {m.name: m for m in mappings}
    ordered: list[SyncTableMapping] = []
    seen: set[str] = set()

    def visit(mapping, trail=()):
        if mapping.name in seen:
            return
        if mapping.name in trail:
            raise ValueError(
                _("the mappings depend on each other in a circle: %(names)s")
                % {"names": " → ".join((*trail, mapping.name))}
            )
        for name in mapping.depends_on or []:
            if name in by_name:
                visit(by_name[name], (*trail, mapping.name))
        seen.add(mapping.name)
        ordered.append(mapping)

    for mapping in sorted(mappings, key=lambda m: (m.sort_order, m.name)):
        visit(mapping)
    return ordered


def sync_all(*, user=None, full: bool = False) -> list[SyncJob]:
    mappings = dependency_order(list(SyncTableMapping.objects.filter(is_enabled=True)))
    return [mapping_run(m, full=full, user=user) for m in mappings]
