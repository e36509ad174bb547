"""Import from business-system records (CON-58, CON-59): each record makes a company with an
acknowledged link to its customer, vendor or bank account (no setup defaults) and, when the
record names one, its contact person.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.dedupe import contact_duplicate_strings_rebuild
from contacts.links import contact_business_relation_summary_recompute
from contacts.models import Contact, ContactBusinessRelation, PickupStatus
from contacts.names import name_split
from crm.exceptions import ApplicationError
from crm.linebreaks import single_line
from crm.models import BulkJob
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start
from setup.models import ContactType, LinkType, MarketingSetup

from .files import import_file_read
from .inserts import _bulk_insert
from .rows import PreparedRow, _inherit, _lookups, _result_add, _row_prepare

BS_IMPORT_BATCH_SIZE = 200  # SPEC 3.7
BS_JOB_KIND = "contact_import_from_business_system"

# CON-58 record columns.
BS_COLUMNS = (
    "link_type",
    "external_number",
    "name",
    "name_2",
    "address",
    "address_2",
    "city",
    "post_code",
    "county",
    "country",
    "phone",
    "email",
    "home_page",
    "vat_registration_number",
    "currency",
    "language",
    "salesperson",
    "contact_person",
)
BS_LINK_TYPES = (LinkType.CUSTOMER, LinkType.VENDOR, LinkType.BANK_ACCOUNT)


def _bs_setup_check(link_types: Iterable[str], setup: MarketingSetup) -> None:
    for link_type in sorted(set(link_types)):
        if link_type not in BS_LINK_TYPES:
            continue
        if getattr(setup, f"{link_type}_relation_id") is None:
            raise ApplicationError(
                _("Set %(field)s in Marketing setup.")
                % {"field": MarketingSetup._meta.get_field(f"{link_type}_relation").verbose_name}
            )


def _bs_import_rows(records: list[dict], *, first_line: int = 1) -> dict:
    """Create companies (no setup defaults), their acknowledged links and contact persons."""
    setup = MarketingSetup.load()
    _bs_setup_check([(r.get("link_type") or "").strip().lower() for r in records], setup)
    raws, errors_pre = [], {}
    for i, rec in enumerate(records):
        link_type = (rec.get("link_type") or "").strip().lower()
        external = (rec.get("external_number") or "").strip().upper()
        problems = []
        if link_type not in BS_LINK_TYPES:
            problems.append(_("Link type must be customer, vendor or bank_account."))
        if not external:
            problems.append(_("External number is required."))
        errors_pre[i] = problems
        raws.append(
            {
                **{k: (rec.get(k) or "") for k in BS_COLUMNS if k != "link_type"},
                "link_type": link_type,
                "external_number": external,
                "type": ContactType.COMPANY,
            }
        )
    linked = set(
        ContactBusinessRelation.objects.filter(
            external_number__in=[r["external_number"] for r in raws],
            link_type__in=BS_LINK_TYPES,
        ).values_list("link_type", "external_number")
    )
    lookups = _lookups(raws)
    prepared, skipped, seen = [], 0, set()
    for i, raw in enumerate(raws):
        key = (raw["link_type"], raw["external_number"])
        if key in linked or key in seen:
            skipped += 1
            continue
        seen.add(key)
        row = _row_prepare(first_line + i, raw, lookups, setup, defaults=False)
        row.errors = errors_pre[i] + row.errors
        row.key = key
        prepared.append(row)
    valid = [r for r in prepared if r.is_valid]
    companies = _bulk_insert(valid)
    now = timezone.now()
    ContactBusinessRelation.objects.bulk_create(
        [
            ContactBusinessRelation(
                contact=company,
                business_relation_id=getattr(setup, f"{row.key[0]}_relation_id"),
                link_type=row.key[0],
                external_number=row.key[1],
                pickup_status=PickupStatus.ACKNOWLEDGED,
                acknowledged_at=now,
            )
            for row, company in zip(valid, companies, strict=True)
        ]
    )
    person_rows = []
    for row, company in zip(valid, companies, strict=True):
        name = single_line(raws[row.line - first_line].get("contact_person") or "").strip()[:100]
        if not name:
            continue
        company.company_id = company.pk
        first, middle, last = name_split(name)
        data = {
            "type": ContactType.PERSON,
            "name": name,
            "search_name": name.upper(),
            "first_name": first[:30],
            "middle_name": middle[:30],
            "surname": last[:30],
        }
        _inherit(data, company, setup)
        data["search_email"] = (data.get("email") or "").upper()
        person_rows.append(PreparedRow(line=row.line, data=data))
    persons = _bulk_insert(person_rows) if person_rows else []
    company_ids = [c.pk for c in companies]
    contact_duplicate_strings_rebuild(contact_ids=company_ids)
    contact_business_relation_summary_recompute(contact_ids=company_ids)
    return {
        "created": len(companies),
        "persons": len(persons),
        "skipped": skipped,
        "rejected": [r for r in prepared if r.errors],
        "contact_ids": company_ids,
    }


@transaction.atomic
def contact_import_from_business_system_start(
    *, records: list[dict], user=None, enqueue: bool = True
) -> BulkJob:
    """CON-58: start the import; a missing setup relation code fails before writing anything."""
    from contacts.tasks import contact_import_from_business_system_task

    setup = MarketingSetup.load()
    _bs_setup_check([(r.get("link_type") or "").strip().lower() for r in records], setup)
    job = bulk_job_create(
        kind=BS_JOB_KIND, user=user, total=len(records), params={"records": records, "offset": 0}
    )
    if enqueue:
        contact_import_from_business_system_task.delay_on_commit(job.pk)
    return job


def contact_import_from_business_system_batch(
    *, job_id: int, batch_size: int = BS_IMPORT_BATCH_SIZE
) -> bool:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        records = job.params.get("records", [])
        offset = int(job.params.get("offset", 0))
        chunk = records[offset : offset + batch_size]
        try:
            out = _bs_import_rows(chunk, first_line=offset + 1)
        except ApplicationError as exc:
            transaction.set_rollback(True)
            error = exc.message
        else:
            error = ""
            result = _result_add(
                job.result, created=out["created"], skipped=out["skipped"], rejected=out["rejected"]
            )
            result["persons"] = int(result.get("persons", 0)) + out["persons"]
            result["failed"] = result["rejected"]
            result["duplicates_found"] = bool(result.get("duplicates_found")) or (
                Contact.objects.filter(pk__in=out["contact_ids"])
                .filter(
                    Q(duplicate_pairs__is_separate=False) | Q(duplicate_of_pairs__is_separate=False)
                )
                .exists()
            )
            done = offset + len(chunk)
            BulkJob.objects.filter(pk=job_id).update(
                params={**job.params, "offset": done}, result=result
            )
            bulk_job_progress(job_id=job_id, done=min(done, job.total))
            if done < len(records):
                return True
            bulk_job_finish(job_id=job_id, result=result)
            return False
    bulk_job_finish(job_id=job_id, error=error)
    return False


@transaction.atomic
def contact_create_from_business_system(
    *, link_type: str, external_number: str, data: dict, create_contact: bool = True
) -> Contact | None:
    """CON-59: the business system reports a new customer/vendor/bank account. With
    ``create_contact`` a linked company contact is created exactly as in CON-58."""
    if not create_contact:
        return None
    out = _bs_import_rows([{**data, "link_type": link_type, "external_number": external_number}])
    if out["rejected"]:
        raise ValidationError("; ".join(out["rejected"][0].errors))
    if not out["contact_ids"]:
        raise ApplicationError(
            _("%(kind)s %(number)s is already linked.")
            % {"kind": link_type, "number": external_number}
        )
    return Contact.objects.get(pk=out["contact_ids"][0])


def business_system_records_read(*, path: str) -> list[dict]:
    """Rows of a business-system CSV (header names = ``BS_COLUMNS``)."""
    header, rows = import_file_read(path=path)
    keys = [h.strip().lower() for h in header]
    return [{k: v for k, v in zip(keys, cells, strict=False) if k in BS_COLUMNS} for cells in rows]
