"""Sales history CSV import (SPEC 12.4 API-4, *Setup → Sales history import*): upload → column
mapping → dry run → confirm → bulk job in batches.

The file store, parsing and the per-line checks are shared: files go through
``contacts.imports.import_file_store``/``import_file_read`` (size, type, encoding), lines through
``api.sales_history.sales_history_lines_prepare`` and are written by
``sales_history_lines_import`` (the same services as ``POST /api/v1/sales-history``).

Re-importing a file does not duplicate lines: a line with a ``source_id`` replaces the line
with that id; a line without one gets a deterministic key (``IMPORT_KEY_RULE``) stored as its
``source_id``, so the same line imported again replaces itself.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.imports import import_file_read
from crm.exceptions import ApplicationError
from crm.models import BulkJob
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start

from .sales_history import CSV_COLUMNS, sales_history_lines_import, sales_history_lines_prepare

CSV_JOB_KIND = "sales_history_import_csv"
IMPORT_BATCH_SIZE = 2000  # lines per task message (one set-based upsert, ~1 s)
MAX_REPORTED_ERRORS = 500
KEY_PREFIX = "csv:"
REQUIRED_COLUMNS = ("posting_date", "item_code")

IMPORT_FIELDS: dict[str, str] = {
    "posting_date": gettext_lazy("Posting date (YYYY-MM-DD)"),
    "entry_kind": gettext_lazy("Entry kind (sale/purchase)"),
    "link_type": gettext_lazy("Link type (customer/vendor)"),
    "external_number": gettext_lazy("External no."),
    "contact_number": gettext_lazy("Contact no."),
    "item_code": gettext_lazy("Item no."),
    "variant_code": gettext_lazy("Variant code"),
    "item_group": gettext_lazy("Item group"),
    "document_number": gettext_lazy("Document no."),
    "quantity": gettext_lazy("Quantity"),
    "amount": gettext_lazy("Amount"),
    "cost_amount": gettext_lazy("Cost amount"),
    "discount_amount": gettext_lazy("Discount amount"),
    "due_date": gettext_lazy("Due date"),
    "paid_on": gettext_lazy("Paid on"),
    "source_id": gettext_lazy("Source ID"),
}
assert tuple(IMPORT_FIELDS) == CSV_COLUMNS  # noqa: S101 - one list of columns

IMPORT_KEY_RULE = gettext_lazy(
    "Re-importing a file does not duplicate lines. A line with a source ID replaces the line "
    "already imported with that source ID. A line without one is given the key "
    '"csv:" + the SHA-256 of its mapped values (and of how many identical lines precede it in '
    "the file), kept as its source ID: importing the same line again replaces it instead of "
    "adding it. A file with any invalid line imports nothing unless you tick "
    '"Skip rejected lines".'
)


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """Pre-select the target of each column whose header names a field."""
    labels = {str(label).lower(): key for key, label in IMPORT_FIELDS.items()}
    out: dict[str, str] = {}
    for header in headers:
        norm = header.strip().lower()
        key = norm.replace(" ", "_").replace("-", "_")
        if key in IMPORT_FIELDS:
            out[header] = key
        elif norm in labels:
            out[header] = labels[norm]
    return out


def mapping_check(mapping: dict[str, str]) -> None:
    targets = list(mapping.values())
    if len(targets) != len(set(targets)):
        raise ValidationError(_("Each field can be mapped from one column only."))
    missing = [str(IMPORT_FIELDS[name]) for name in REQUIRED_COLUMNS if name not in targets]
    if missing:
        raise ValidationError(_("Map a column to: %(fields)s.") % {"fields": ", ".join(missing)})


def line_key(raw: dict, occurrence: int) -> str:
    """The deterministic key of a line without ``source_id`` (see ``IMPORT_KEY_RULE``)."""
    basis = "\x1f".join(f"{name}={(raw.get(name) or '').strip()}" for name in CSV_COLUMNS[:-1])
    digest = hashlib.sha256(f"{basis}\x1e{occurrence}".encode()).hexdigest()
    return KEY_PREFIX + digest[:40]


def raws_from_rows(
    *, header: list[str], rows: list[list[str]], mapping: dict[str, str]
) -> list[dict]:
    """Mapped lines of the whole file, each with its ``source_id`` or deterministic key."""
    index = {column: i for i, column in enumerate(header)}
    raws, seen = [], {}
    for cells in rows:
        raw = {
            target: cells[index[column]]
            for column, target in mapping.items()
            if target in IMPORT_FIELDS and column in index and index[column] < len(cells)
        }
        if not (raw.get("source_id") or "").strip():
            basis = tuple((raw.get(name) or "").strip() for name in CSV_COLUMNS[:-1])
            seen[basis] = seen.get(basis, 0) + 1
            raw["source_id"] = line_key(raw, seen[basis])
        raws.append(raw)
    return raws


@dataclass
class SalesHistoryPreview:
    total: int
    to_create: int
    to_replace: int
    errors: list[dict] = field(default_factory=list)  # [{"line", "field", "message"}]

    @property
    def rejected(self) -> int:
        return len({e["line"] for e in self.errors})


def _lines(*, path: str, mapping: dict[str, str]) -> list[dict]:
    mapping_check(mapping)
    header, rows = import_file_read(path=path)
    return raws_from_rows(header=header, rows=rows, mapping=mapping)


def _prepare(raws: list[dict], *, first_line: int) -> tuple[list[dict], list[dict], set[int]]:
    """-> (values, errors with file line numbers, indexes of rejected lines)."""
    values, errors = sales_history_lines_prepare(raws)
    for error in errors:
        error["line"] += first_line - 1
    bad = {e["line"] - first_line for e in errors}
    return values, errors, bad


def sales_history_import_preview(*, path: str, mapping: dict[str, str]) -> SalesHistoryPreview:
    """Dry run over the whole file: per-line errors and what would be created or replaced."""
    from contacts.models import SalesHistoryLine

    values, errors, bad = _prepare(_lines(path=path, mapping=mapping), first_line=2)
    keys = [v["source_id"] for i, v in enumerate(values) if i not in bad]
    existing = SalesHistoryLine.objects.filter(source_id__in=keys).count()
    return SalesHistoryPreview(
        total=len(values),
        to_create=len(keys) - existing,
        to_replace=existing,
        errors=errors,
    )


@transaction.atomic
def sales_history_import_start(
    *, path: str, mapping: dict[str, str], skip_rejected: bool, user=None
) -> BulkJob:
    """Confirm: a file with any invalid line imports nothing unless ``skip_rejected``."""
    from .tasks import sales_history_import_csv_task

    preview = sales_history_import_preview(path=path, mapping=mapping)
    if preview.errors and not skip_rejected:
        raise ApplicationError(
            _(
                "%(count)d line(s) are invalid; nothing was imported. Fix the file or tick "
                '"Skip rejected lines".'
            )
            % {"count": preview.rejected}
        )
    job = bulk_job_create(
        kind=CSV_JOB_KIND,
        user=user,
        total=preview.total,
        params={"path": path, "mapping": mapping, "skip_rejected": skip_rejected, "offset": 0},
    )
    sales_history_import_csv_task.delay_on_commit(job.pk)
    return job


def _result_add(result: dict, *, out: dict, errors: list[dict], rejected: int) -> dict:
    result = dict(result or {})
    for name in ("created", "replaced"):
        result[name] = int(result.get(name, 0)) + out.get(name, 0)
    result["rejected"] = int(result.get("rejected", 0)) + rejected
    kept = list(result.get("errors", []))
    result["errors"] = (kept + errors)[:MAX_REPORTED_ERRORS]
    return result


def sales_history_import_batch(*, job_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> bool:
    """Import the next batch of the job's file; True when more lines are left. A replayed
    batch writes the same rows again (upsert by ``source_id``)."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        params = job.params
        offset = int(params.get("offset", 0))
        raws = _lines(path=params["path"], mapping=params["mapping"])
        values, errors, bad = _prepare(raws[offset : offset + batch_size], first_line=offset + 2)
        if bad and not params.get("skip_rejected"):
            transaction.set_rollback(True)  # the file changed since the dry run
        else:
            out = sales_history_lines_import(
                lines=[v for i, v in enumerate(values) if i not in bad]
            )
            result = _result_add(job.result, out=out, errors=errors, rejected=len(bad))
            done = offset + len(values)
            BulkJob.objects.filter(pk=job_id).update(
                params={**params, "offset": done}, result=result
            )
            bulk_job_progress(job_id=job_id, done=min(done, job.total))
            if done < len(raws):
                return True
            bulk_job_finish(job_id=job_id, result=result)
            return False
    bulk_job_finish(
        job_id=job_id,
        error=_("%(count)d line(s) are invalid; nothing was imported.") % {"count": len(bad)},
        result={"created": 0, "replaced": 0, "rejected": len(bad), "errors": errors},
    )
    return False
