"""CSV (and vCard) import: the dry run, then a job that imports the file in batches on the
worker, and the statistics refresh after a large import.

Imports are set-based: each batch validates its rows, drops the rows that already exist, takes
its contact numbers from the series in one locked block and inserts them with one ``COPY``.
A file with any invalid row imports nothing unless the user chose to skip rejected rows.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.dedupe import contact_duplicate_strings_rebuild
from contacts.models import Contact, ContactDuplicateSearchString
from crm.exceptions import ApplicationError
from crm.models import BulkJob
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start
from crm.sql import table
from setup.models import ContactType, MarketingSetup

from .files import import_file_read
from .inserts import _insert_with_companies
from .rows import PreparedRow, _result_add, rows_prepare

IMPORT_BATCH_SIZE = 5000  # rows per task message and per COPY (~2 s of work)
ANALYZE_SHARE = 0.10  # an import adding more than this share of the contacts refreshes statistics
CSV_JOB_KIND = "contact_import_csv"
MATCH_RULE = gettext_lazy(
    "A row matches an existing contact by its number when the file has one, else by its "
    "external ID, else by name and post code (case-insensitive). Matching rows are skipped, "
    "so importing the same file twice creates no duplicates."
)


@dataclass
class ImportPreview:
    total: int
    valid: int
    to_create: int
    matched: int
    rows: list[PreparedRow]

    @property
    def rejected(self) -> list[PreparedRow]:
        return [r for r in self.rows if r.errors]

    @property
    def warned(self) -> list[PreparedRow]:
        return [r for r in self.rows if r.warnings and not r.errors]


def _mapping_check(*, mapping: dict[str, str], default_type: str) -> None:
    if "name" not in mapping.values():
        raise ValidationError(_("Map a column to Name."))
    if default_type not in ContactType.values:
        raise ValidationError(_("Type must be company or person."))


def contact_import_preview(
    *,
    path: str,
    mapping: dict[str, str],
    match_existing: bool = True,
    default_type: str = ContactType.COMPANY,
) -> ImportPreview:
    """Dry run: per-row errors and duplicate warnings; nothing is written.

    ``default_type`` is the type of rows without one (no type column, or a blank cell).
    ``match_existing=False`` skips the look-up of existing contacts (warnings only), for
    callers that need the errors alone."""
    _mapping_check(mapping=mapping, default_type=default_type)
    header, rows = import_file_read(path=path)
    prepared = rows_prepare(
        header=header,
        rows=rows,
        mapping=mapping,
        match_existing=match_existing,
        default_type=default_type,
    )
    valid = [r for r in prepared if r.is_valid]
    matched = [r for r in valid if r.existing]
    return ImportPreview(
        total=len(prepared),
        valid=len(valid),
        to_create=len(valid) - len(matched),
        matched=len(matched),
        rows=prepared,
    )


def _typed_numbers_check(rows: list[PreparedRow]) -> None:
    """SET-17 for rows with a number: the series must allow manual numbers."""
    if not any(r.data.get("number") for r in rows if r.is_valid):
        return
    series = MarketingSetup.load().contact_series
    if series is None or not series.manual_numbers:
        message = _("Series %(code)s does not allow manual numbers.") % {
            "code": series.code if series else "-"
        }
        for row in rows:
            if row.data.get("number") and not row.existing:
                row.errors.append(message)


# --------------------------------------------------------------------------------------------
# CSV import job
# --------------------------------------------------------------------------------------------


@transaction.atomic
def contact_import_csv_start(
    *,
    path: str,
    mapping: dict[str, str],
    skip_rejected: bool,
    user=None,
    enqueue: bool = True,
    default_type: str = ContactType.COMPANY,
) -> BulkJob:
    """Confirm an import: a file with any invalid row imports nothing unless the user chose
    to skip rejected rows. The job then runs in batches on the worker."""
    from contacts.tasks import contact_import_csv_task

    typed_numbers = "number" in mapping.values()
    if skip_rejected and not typed_numbers:
        # Each batch validates its rows and skips the rejected ones: checking the whole file
        # here as well only repeated the per-row work of the preview.
        _mapping_check(mapping=mapping, default_type=default_type)
        total, rejected = len(import_file_read(path=path)[1]), []
    else:
        # Only the errors matter here (each batch matches existing contacts again); matches
        # are needed up front only to spare existing rows the typed-number check.
        preview = contact_import_preview(
            path=path, mapping=mapping, match_existing=typed_numbers, default_type=default_type
        )
        _typed_numbers_check(preview.rows)
        total, rejected = preview.total, [r for r in preview.rows if r.errors]
    if rejected and not skip_rejected:
        raise ApplicationError(
            _(
                "%(count)d row(s) are invalid; nothing was imported. Fix the file or tick "
                '"skip rejected rows".'
            )
            % {"count": len(rejected)}
        )
    job = bulk_job_create(
        kind=CSV_JOB_KIND,
        user=user,
        total=total,
        params={
            "path": path,
            "mapping": mapping,
            "skip_rejected": skip_rejected,
            "default_type": default_type,
            "offset": 0,
        },
    )
    if enqueue:
        contact_import_csv_task.delay_on_commit(job.pk)
    return job


def contact_import_statistics_refresh(*, created: int) -> bool:
    """ANALYZE the tables an import wrote when it added more than ``ANALYZE_SHARE`` of the
    contacts the planner knows of (``pg_class.reltuples``; -1 when never analysed).

    Runs after the import commits: the user's next step is a search, and a rare fragment
    planned on statistics that predate a large import can take the wrong plan."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table(Contact)])
        (known,) = cursor.fetchone()
        if created <= 0 or (known >= 0 and created <= ANALYZE_SHARE * known):
            return False
        for model in (Contact, ContactDuplicateSearchString):
            cursor.execute(f"ANALYZE {table(model)}")
    return True


def contact_import_csv_batch(*, job_id: int, batch_size: int = IMPORT_BATCH_SIZE) -> bool:
    """Import the next batch of the file; return True when more rows are left."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        params = job.params
        offset = int(params.get("offset", 0))
        header, rows = import_file_read(path=params["path"])
        chunk = rows[offset : offset + batch_size]
        prepared = rows_prepare(
            header=header,
            rows=chunk,
            mapping=params["mapping"],
            first_line=offset + 2,
            default_type=params.get("default_type") or ContactType.COMPANY,
        )
        _typed_numbers_check(prepared)
        rejected = [r for r in prepared if r.errors]
        if rejected and not params.get("skip_rejected"):
            transaction.set_rollback(True)
        else:
            fresh = [r for r in prepared if r.is_valid and not r.existing]
            companies, persons = _insert_with_companies(fresh)
            if MarketingSetup.load().maintain_duplicate_strings:
                contact_duplicate_strings_rebuild(contact_ids=[c.pk for c in companies])
            result = _result_add(
                job.result,
                created=len(companies) + persons,
                skipped=len([r for r in prepared if r.is_valid and r.existing]),
                rejected=rejected,
            )
            done = offset + len(chunk)
            BulkJob.objects.filter(pk=job_id).update(
                params={**params, "offset": done}, result=result
            )
            bulk_job_progress(job_id=job_id, done=min(done, job.total))
            if done < len(rows):
                return True
            bulk_job_finish(job_id=job_id, result=result)
            created = result["created"]
            transaction.on_commit(lambda: contact_import_statistics_refresh(created=created))
            return False
    bulk_job_finish(
        job_id=job_id,
        error=_("%(count)d row(s) are invalid; nothing was imported.") % {"count": len(rejected)},
        result=_result_add({}, rejected=rejected),
    )
    return False
