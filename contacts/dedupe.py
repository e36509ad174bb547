"""Duplicate detection and merge (SPEC 3.5, CON-60…66).

Search strings and pairs are built set-based in SQL: one ``INSERT … SELECT`` derives the strings
of a set of companies from the setup rows, one ``INSERT … SELECT`` counts matching
(field, part, search_string) triples through a self-join and keeps the pairs at or above the
hit threshold. ``is_separate`` pairs are never deleted, re-inserted or changed (CON-62).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.models import BulkJob
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start
from crm.sql import column, columns, quote, table
from setup.models import ContactType, MarketingSetup
from setup.signals import duplicate_index_rebuild_requested

from .models import (
    CommentLine,
    CommentTargetKind,
    Contact,
    ContactDuplicate,
    ContactDuplicateSearchString,
    ContactMergeLog,
    DeletedContactTombstone,
    DuplicateField,
    DuplicatePart,
    DuplicateSearchStringSetup,
)

# CON-60: characters removed before cutting the search string (spaces included).
STRIP_CHARS = ' "&/,.;:-_(){}#!£$\\`'
# CON-63: the company fields whose change rebuilds its duplicate strings.
DUPLICATE_TRIGGER_FIELDS = frozenset(
    {
        "name",
        "name_2",
        "address",
        "address_2",
        "city",
        "post_code",
        "vat_registration_number",
        "phone",
    }
)
# CON-61, deliberate departure (docs/decisions/0005-duplicate-seed-strings.md): a pair is only
# searched from search strings held by at most this many companies. Common strings ("PARIS",
# "INFO@", "13001") still count towards a pair's matches, but do not find candidates alone.
DUPLICATE_SEED_MAX_HOLDERS = 100
GENERATE_BATCH_SIZE = 500  # SPEC 3.7: companies per batch of the generate job
GENERATE_JOB_KIND = "contact_duplicate_strings_generate"
MERGE_EXCLUDED_FIELDS = frozenset(
    {
        "id",
        "number",
        "number_series",
        "type",
        "company",
        "created_at",
        "updated_at",
        "business_relation_summary",
        "last_modified_at",
        "search_email",
        "image",
    }
)

# ContactDuplicate's unique pair constraint (ON CONFLICT ON CONSTRAINT).
PAIR_UNIQUE = quote("contactduplicate_pair_unique")

MERGE_SAME_CONTACT = _("A contact cannot be merged with itself.")


# --------------------------------------------------------------------------------------------
# Search strings (CON-60)
# --------------------------------------------------------------------------------------------


def duplicate_search_string(value: str | None, *, part: str, length: int) -> str:
    """CON-60: strip spaces and punctuation, take the first/last ``length`` chars, upper-case."""
    cleaned = "".join(ch for ch in (value or "") if ch not in STRIP_CHARS)
    cut = cleaned[:length] if part == DuplicatePart.FIRST else cleaned[-length:]
    return cut.upper() if cleaned else ""


def _field_case_sql(alias: str, field: str) -> str:
    """``CASE s.field WHEN 'name' THEN c.name …`` over every indexable field (whitelisted)."""
    arms = " ".join(
        f"WHEN '{value}' THEN {column(Contact, value, alias=alias)}"
        for value in DuplicateField.values
    )
    return f"CASE {field} {arms} END"


def _threshold(setup: MarketingSetup | None = None) -> int:
    """CON-61: ceiling(setup rows × hit % / 100), at least 1."""
    setup = setup or MarketingSetup.load()
    rows = DuplicateSearchStringSetup.objects.count()
    return max(1, math.ceil(rows * setup.duplicate_hit_percent / 100))


def _rebuild_sql(contact_ids: list[int], *, threshold: int) -> int:
    """Delete and rebuild the strings and non-separate pairs of ``contact_ids``; return pairs."""
    strings, pairs = table(ContactDuplicateSearchString), table(ContactDuplicate)

    def ss(name: str, alias: str | None = None) -> str:  # a search-string column
        return column(ContactDuplicateSearchString, name, alias)

    def dp(name: str) -> str:  # a pair column
        return column(ContactDuplicate, name)

    def su(name: str) -> str:  # a setup-row column
        return column(DuplicateSearchStringSetup, name, "s")

    value_sql = f"translate(COALESCE({_field_case_sql('c', su('field'))}, ''), %s, '')"
    # Base-table columns are read through these aliases, so the CTEs below use fixed names.
    held = (
        f"{ss('contact', '{a}')} AS contact_id, {ss('field', '{a}')} AS field,"
        f" {ss('part', '{a}')} AS part, {ss('search_string', '{a}')} AS search_string"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {strings} WHERE {ss('contact')} = ANY(%s)",  # noqa: S608 -- crm.sql
            [contact_ids],
        )
        cursor.execute(
            f"DELETE FROM {pairs} WHERE NOT {dp('is_separate')} "  # noqa: S608 -- crm.sql
            f"AND ({dp('contact')} = ANY(%s) OR {dp('duplicate')} = ANY(%s))",
            [contact_ids, contact_ids],
        )
        # CON-60: persons get no strings (CON-64).
        inserted = columns(
            ContactDuplicateSearchString,
            "contact",
            "field",
            "part",
            "search_string",
            "created_at",
            "updated_at",
        )
        cursor.execute(
            f"""
            INSERT INTO {strings} ({inserted})
            SELECT contact_id, field, part, search_string, now(), now() FROM (
                SELECT {column(Contact, "id", "c")} AS contact_id, {su("field")} AS field,
                       {su("part")} AS part,
                       upper(CASE {su("part")}
                             WHEN 'first' THEN left({value_sql}, {su("length")})
                             ELSE right({value_sql}, {su("length")}) END) AS search_string
                FROM {table(Contact)} c CROSS JOIN {table(DuplicateSearchStringSetup)} s
                WHERE {column(Contact, "id", "c")} = ANY(%s) AND {column(Contact, "type", "c")} = %s
            ) built
            WHERE search_string <> ''
            """,  # noqa: S608 -- identifiers from crm.sql, values bound
            [STRIP_CHARS, STRIP_CHARS, contact_ids, ContactType.COMPANY],
        )
        # CON-61: a pair needs T = ``threshold`` identical (field, part, string) triples. A
        # contact holds at most one string per (field, part). Take its k - T + 2 *rarest*
        # strings as seeds, and scan the r of them held by at most DUPLICATE_SEED_MAX_HOLDERS
        # companies (the documented departure). Another contact matching m scanned seeds has
        # at most m + (k - r) matches in all, so it can reach T only if m >= T - k + r
        # (pigeonhole; at least 1 by the departure). Only those candidates have their strings
        # (one index range each) matched against all k strings. When both ends are in the
        # set, the pair is counted from its lower id only.
        pair_columns = columns(
            ContactDuplicate,
            "contact",
            "duplicate",
            "is_separate",
            "matching_string_count",
            "created_at",
            "updated_at",
        )
        cursor.execute(
            f"""
            WITH mine AS MATERIALIZED (
                SELECT {held.format(a="o")} FROM {strings} o
                WHERE {ss("contact", "o")} = ANY(%s)
            ), freq AS MATERIALIZED (
                SELECT t.field, t.part, t.search_string,
                       (SELECT count(*) FROM (
                            SELECT 1 FROM {strings} f
                            WHERE {ss("field", "f")} = t.field AND {ss("part", "f")} = t.part
                              AND {ss("search_string", "f")} = t.search_string
                            LIMIT %s) capped) AS holders
                FROM (SELECT DISTINCT field, part, search_string FROM mine) t
            ), ranked AS MATERIALIZED (
                SELECT m.*, q.holders,
                       row_number() OVER (
                           PARTITION BY m.contact_id ORDER BY q.holders, m.field, m.part
                       ) AS rank,
                       count(*) OVER (PARTITION BY m.contact_id) AS k
                FROM mine m JOIN freq q USING (field, part, search_string)
            ), seeds AS MATERIALIZED (
                SELECT contact_id, field, part, search_string, k,
                       count(*) OVER (PARTITION BY contact_id) AS scanned
                FROM ranked
                WHERE rank <= k - %s + 2 AND holders <= %s
            ), candidates AS MATERIALIZED (
                SELECT s.contact_id AS a_id, {ss("contact", "b")} AS b_id
                FROM seeds s
                JOIN {strings} b ON {ss("field", "b")} = s.field AND {ss("part", "b")} = s.part
                                 AND {ss("search_string", "b")} = s.search_string
                                 AND {ss("contact", "b")} <> s.contact_id
                WHERE {ss("contact", "b")} <> ALL(%s) OR s.contact_id < {ss("contact", "b")}
                GROUP BY s.contact_id, {ss("contact", "b")}, s.k, s.scanned
                HAVING COUNT(*) >= GREATEST(1, %s - s.k + s.scanned)
            ), candidate_strings AS MATERIALIZED (
                SELECT c.a_id, c.b_id, {ss("field", "b")} AS field, {ss("part", "b")} AS part,
                       {ss("search_string", "b")} AS search_string
                FROM candidates c JOIN {strings} b ON {ss("contact", "b")} = c.b_id
            )
            INSERT INTO {pairs} ({pair_columns})
            SELECT LEAST(cs.a_id, cs.b_id), GREATEST(cs.a_id, cs.b_id), false, COUNT(*),
                   now(), now()
            FROM candidate_strings cs
            JOIN mine a ON a.contact_id = cs.a_id AND a.field = cs.field AND a.part = cs.part
                        AND a.search_string = cs.search_string
            GROUP BY LEAST(cs.a_id, cs.b_id), GREATEST(cs.a_id, cs.b_id)
            HAVING COUNT(*) >= %s
            ON CONFLICT ON CONSTRAINT {PAIR_UNIQUE} DO NOTHING
            """,  # noqa: S608 -- identifiers from crm.sql, values bound
            [
                contact_ids,
                DUPLICATE_SEED_MAX_HOLDERS + 1,
                threshold,
                DUPLICATE_SEED_MAX_HOLDERS,
                contact_ids,
                threshold,
                threshold,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def contact_duplicate_strings_rebuild(*, contact_ids: Iterable[int]) -> int:
    """CON-62 for a set of contacts, unconditionally. Returns the number of pairs inserted."""
    ids = sorted({int(pk) for pk in contact_ids})
    if not ids:
        return 0
    return _rebuild_sql(ids, threshold=_threshold())


def contact_duplicates_rebuild(*, contact_id: int) -> bool:
    """CON-62/63 entry point for the core create/update/type-change services.

    Call it inside the saving transaction after creating a company, after changing one of
    ``DUPLICATE_TRIGGER_FIELDS`` of a company, or after changing a contact's type. Does nothing
    when ``maintain_duplicate_strings`` is off. Returns True when the page should offer
    "Possible duplicates found — review?" (autosearch on and an unresolved pair exists).
    """
    setup = MarketingSetup.load()
    if not setup.maintain_duplicate_strings:
        return False
    contact_duplicate_strings_rebuild(contact_ids=[contact_id])
    return setup.autosearch_duplicates and duplicate_unresolved_exists(contact_id=contact_id)


def duplicate_unresolved_exists(*, contact_id: int) -> bool:
    return ContactDuplicate.objects.filter(
        Q(contact_id=contact_id) | Q(duplicate_id=contact_id), is_separate=False
    ).exists()


def duplicate_prompt(*, contact_id: int) -> dict | None:
    """CON-63: data for the "Possible duplicates found — review?" prompt, or None."""
    setup = MarketingSetup.load()
    if not setup.autosearch_duplicates:
        return None
    count = ContactDuplicate.objects.filter(
        Q(contact_id=contact_id) | Q(duplicate_id=contact_id), is_separate=False
    ).count()
    if not count:
        return None
    return {
        "count": count,
        "message": _("Possible duplicates found — review?"),
        "url": f"{reverse('contacts:duplicate-list')}?contact={contact_id}",
    }


# --------------------------------------------------------------------------------------------
# Reads for the duplicates page
# --------------------------------------------------------------------------------------------


def duplicate_pair_list(*, contact_id: int | None = None, show_separate: bool = False):
    """Pairs for the duplicates page, ranked by trigram similarity of the names (pg_trgm)."""
    qs = ContactDuplicate.objects.select_related("contact", "duplicate")
    if contact_id:
        qs = qs.filter(Q(contact_id=contact_id) | Q(duplicate_id=contact_id))
    if not show_separate:
        qs = qs.filter(is_separate=False)
    return qs.annotate(
        name_similarity=TrigramSimilarity("contact__name", models.F("duplicate__name"))
    ).order_by("-name_similarity", "-matching_string_count", "id")


def duplicate_pair_get(*, pk: int) -> ContactDuplicate:
    try:
        return ContactDuplicate.objects.select_related("contact", "duplicate").get(pk=pk)
    except ContactDuplicate.DoesNotExist as exc:
        raise ApplicationError(_("This duplicate pair no longer exists.")) from exc


@transaction.atomic
def contact_duplicate_mark_separate(*, pair: ContactDuplicate, is_separate: bool = True) -> None:
    """CON-62: "Separate contacts" — the pair stays, and re-indexing leaves it alone."""
    ContactDuplicate.objects.filter(pk=pair.pk).update(
        is_separate=is_separate, updated_at=timezone.now()
    )


# --------------------------------------------------------------------------------------------
# Generate job (CON-65)
# --------------------------------------------------------------------------------------------


GENERATE_FILTERS = (
    "number_from",
    "number_to",
    "company_number",
    "modified_from",
    "modified_to",
    "external_id",
)


def duplicate_generate_queryset(*, filters: dict):
    """Company contacts matching the job's filters (CON-65); persons are never touched."""
    qs = Contact.objects.filter(type=ContactType.COMPANY)
    if filters.get("number_from"):
        qs = qs.filter(number__gte=filters["number_from"])
    if filters.get("number_to"):
        qs = qs.filter(number__lte=filters["number_to"])
    if filters.get("company_number"):
        qs = qs.filter(company__number=filters["company_number"])
    if filters.get("modified_from"):
        qs = qs.filter(last_modified_at__date__gte=filters["modified_from"])
    if filters.get("modified_to"):
        qs = qs.filter(last_modified_at__date__lte=filters["modified_to"])
    if filters.get("external_id"):
        qs = qs.filter(external_id=filters["external_id"])
    return qs.order_by("id")


@transaction.atomic
def contact_duplicate_strings_generate_start(
    *, user=None, filters: dict | None = None, enqueue: bool = True
) -> BulkJob:
    """Create the "Generate duplicate search strings" job and enqueue it after commit."""
    from .tasks import contact_duplicate_strings_generate_task

    clean = {k: str(v) for k, v in (filters or {}).items() if k in GENERATE_FILTERS and v}
    total = duplicate_generate_queryset(filters=clean).count()
    job = bulk_job_create(
        kind=GENERATE_JOB_KIND, user=user, total=total, params={"filters": clean, "last_id": 0}
    )
    if enqueue:
        contact_duplicate_strings_generate_task.delay_on_commit(job.pk)
    return job


def contact_duplicate_strings_generate_batch(
    *, job_id: int, batch_size: int = GENERATE_BATCH_SIZE
) -> bool:
    """Process the next batch of the job; return True when more is left.

    Idempotent: the cursor (last id) and the progress move in the same transaction as the
    rebuild, and rebuilding a contact twice gives the same rows.
    """
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return False
        bulk_job_start(job_id=job_id)
        filters = job.params.get("filters", {})
        last_id = int(job.params.get("last_id", 0))
        ids = list(
            duplicate_generate_queryset(filters=filters)
            .filter(id__gt=last_id)
            .values_list("id", flat=True)[:batch_size]
        )
        if ids:
            pairs = contact_duplicate_strings_rebuild(contact_ids=ids)
            params = {**job.params, "last_id": ids[-1]}
            result = dict(job.result or {})
            result["pairs"] = int(result.get("pairs", 0)) + pairs
            BulkJob.objects.filter(pk=job_id).update(params=params, result=result)
            bulk_job_progress(job_id=job_id, done=min(job.done + len(ids), job.total or 10**9))
        if len(ids) < batch_size:
            job.refresh_from_db()
            bulk_job_finish(job_id=job_id, result=job.result)
            return False
        return True


@receiver(duplicate_index_rebuild_requested)
def _on_duplicate_index_rebuild_requested(sender, user=None, **kwargs):
    """SET-3: the administrator asked for a rebuild of every company's duplicate strings."""
    contact_duplicate_strings_generate_start(user=user, filters={})


# --------------------------------------------------------------------------------------------
# Merge (CON-66)
# --------------------------------------------------------------------------------------------


@dataclass
class FieldDifference:
    name: str
    label: str
    kept_value: object
    duplicate_value: object


@dataclass
class MergeClash:
    key: str  # "<app_label.model>:<pk>" of the duplicate's row
    model_label: str
    description: str
    rename_field: str = ""


@dataclass
class MergePreview:
    kept: Contact
    duplicate: Contact
    differences: list[FieldDifference] = field(default_factory=list)
    clashes: list[MergeClash] = field(default_factory=list)


def _merge_fields() -> list[models.Field]:
    return [
        f
        for f in Contact._meta.concrete_fields
        if f.name not in MERGE_EXCLUDED_FIELDS and f.editable
    ]


def _reverse_relations() -> list:
    """Every relation pointing at Contact, hidden ones (``related_name='+'``) included.

    Read from the model graph so that models other areas add later are re-pointed too.
    """
    return [
        rel
        for rel in Contact._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


# Rows the merge deletes or rebuilds rather than re-points.
_MERGE_SKIP_MODELS = (ContactDuplicate, ContactDuplicateSearchString)


def _unique_keys(model: type[models.Model], fk_name: str) -> list[tuple[list[str], Q | None]]:
    """Unique keys of ``model`` that include its foreign key ``fk_name`` to Contact."""
    keys: list[tuple[list[str], Q | None]] = []
    fk_field = model._meta.get_field(fk_name)
    if fk_field.unique:
        keys.append(([fk_name], None))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and fk_name in constraint.fields
        ):
            keys.append((list(constraint.fields), constraint.condition))
    for together in model._meta.unique_together:
        if fk_name in together:
            keys.append((list(together), None))
    return keys


def _clashes(kept: Contact, duplicate: Contact) -> list[MergeClash]:
    clashes: list[MergeClash] = []
    for rel in _reverse_relations():
        model = rel.related_model
        if issubclass(model, _MERGE_SKIP_MODELS) or model is Contact:
            continue
        fk_name = rel.field.name
        for fields, condition in _unique_keys(model, fk_name):
            others = [f for f in fields if f != fk_name]
            kept_rows = model._base_manager.filter(**{fk_name: kept.pk})
            if condition is not None:
                kept_rows = kept_rows.filter(condition)
            kept_rows = kept_rows.filter(**{f: OuterRef(f) for f in others})
            dup_rows = model._base_manager.filter(**{fk_name: duplicate.pk})
            if condition is not None:
                dup_rows = dup_rows.filter(condition)
            rename = [
                f
                for f in others
                if isinstance(model._meta.get_field(f), models.CharField)
                and not model._meta.get_field(f).is_relation
            ]
            for row in dup_rows.filter(Exists(kept_rows)):
                clashes.append(
                    MergeClash(
                        key=f"{model._meta.label_lower}:{row.pk}",
                        model_label=str(model._meta.verbose_name),
                        description=str(row),
                        rename_field=rename[0] if len(rename) == 1 else "",
                    )
                )
    seen: set[str] = set()
    return [c for c in clashes if not (c.key in seen or seen.add(c.key))]


def contact_merge_preview(*, kept: Contact, duplicate: Contact) -> MergePreview:
    """CON-66: differing fields (override candidates) and unique-key clashes."""
    preview = MergePreview(kept=kept, duplicate=duplicate)
    for f in _merge_fields():
        a, b = getattr(kept, f.attname), getattr(duplicate, f.attname)
        if a != b:
            preview.differences.append(
                FieldDifference(
                    name=f.name,
                    label=str(f.verbose_name),
                    kept_value=getattr(kept, f.name),
                    duplicate_value=getattr(duplicate, f.name),
                )
            )
    preview.clashes = _clashes(kept, duplicate)
    return preview


def _model_for_key(key: str) -> tuple[type[models.Model], int]:
    label, _sep, pk = key.rpartition(":")
    for rel in _reverse_relations():
        if rel.related_model._meta.label_lower == label and pk.isdigit():
            return rel.related_model, int(pk)
    raise ApplicationError(_("Unknown row %(key)s.") % {"key": key})


@transaction.atomic
def contact_merge_clash_resolve(
    *, duplicate: Contact, key: str, action: str, new_value: str = ""
) -> None:
    """Resolve one clash: delete the duplicate's row, or rename its free key part."""
    model, pk = _model_for_key(key)
    fk_names = [rel.field.name for rel in _reverse_relations() if rel.related_model is model]
    row = model._base_manager.filter(pk=pk).first()
    if row is None or not any(getattr(row, f"{n}_id", None) == duplicate.pk for n in fk_names):
        raise ApplicationError(_("This row does not belong to the duplicate contact."))
    if action == "delete":
        row.delete()
        return
    if action == "rename":
        clash = next((c for c in _clashes_for_any(duplicate) if c.key == key), None)
        if clash is None or not clash.rename_field:
            raise ApplicationError(_("This row cannot be renamed; remove it instead."))
        setattr(row, clash.rename_field, (new_value or "").strip().upper())
        row.full_clean()
        row.save()
        return
    raise ApplicationError(_("Unknown action."))


def _clashes_for_any(duplicate: Contact) -> list[MergeClash]:
    """Clashes of ``duplicate`` against any kept contact it is paired with (for renaming)."""
    out: list[MergeClash] = []
    partner_ids = set(
        ContactDuplicate.objects.filter(contact=duplicate).values_list("duplicate_id", flat=True)
    ) | set(
        ContactDuplicate.objects.filter(duplicate=duplicate).values_list("contact_id", flat=True)
    )
    for kept in Contact.objects.filter(pk__in=partner_ids):
        out.extend(_clashes(kept, duplicate))
    return out


@transaction.atomic
def contact_merge(
    *, kept: Contact, duplicate: Contact, overrides: Iterable[str] = (), user=None
) -> ContactMergeLog:
    """CON-66: merge ``duplicate`` into ``kept`` in one transaction.

    Applies the chosen field overrides, re-points every reference to the duplicate (found through
    the model graph), deletes the duplicate with its duplicate rows, rebuilds the kept contact's
    strings and writes a merge log. Refused while unique-key clashes remain.
    """
    from .links import contact_business_relation_summary_recompute

    if user is not None and not user.has_perm("contacts.merge_contact"):
        raise ApplicationError(_("You do not have permission to merge contacts."))
    if kept.pk == duplicate.pk:
        raise ApplicationError(MERGE_SAME_CONTACT)
    # Lock both rows in pk order.
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(pk__in=[kept.pk, duplicate.pk])
        .order_by("pk")
    }
    kept, duplicate = locked[kept.pk], locked[duplicate.pk]
    if kept.type != duplicate.type:
        raise ApplicationError(_("Only contacts of the same type can be merged."))
    clashes = _clashes(kept, duplicate)
    if clashes:
        raise ApplicationError(
            _("Resolve the %(count)d clash(es) before merging: %(rows)s")
            % {"count": len(clashes), "rows": "; ".join(c.description for c in clashes)},
            extra={"clashes": clashes},
        )
    allowed = {f.name for f in _merge_fields()}
    applied: dict[str, list[str]] = {}
    for name in overrides:
        if name not in allowed:
            raise ValidationError(_("Field %(name)s cannot be merged.") % {"name": name})
        f = Contact._meta.get_field(name)
        old, new = getattr(kept, f.attname), getattr(duplicate, f.attname)
        if old != new:
            setattr(kept, f.attname, new)
            applied[name] = [str(old or ""), str(new or "")]

    moved: dict[str, int] = {}
    ContactDuplicate.objects.filter(Q(contact=duplicate) | Q(duplicate=duplicate)).delete()
    ContactDuplicateSearchString.objects.filter(contact=duplicate).delete()
    for rel in _reverse_relations():
        model = rel.related_model
        if issubclass(model, _MERGE_SKIP_MODELS):
            continue
        fk_name = rel.field.name
        qs = model._base_manager.filter(**{fk_name: duplicate.pk})
        if model is Contact:
            qs = qs.exclude(pk=duplicate.pk)
            count = qs.update(**{fk_name: kept.pk, "company_name": kept.name})
        else:
            count = qs.update(**{fk_name: kept.pk})
        if count:
            label = f"{model._meta.label_lower}.{fk_name}"
            moved[label] = moved.get(label, 0) + count
    # Comments point at contacts by (kind, id): renumber the duplicate's lines after the kept's.
    top = (
        CommentLine.objects.filter(
            target_kind=CommentTargetKind.CONTACT, target_id=kept.pk
        ).aggregate(top=models.Max("line_no"))["top"]
        or 0
    )
    comments = CommentLine.objects.filter(
        target_kind=CommentTargetKind.CONTACT, target_id=duplicate.pk
    ).update(target_id=kept.pk, line_no=models.F("line_no") + top)
    if comments:
        moved["contacts.commentline"] = comments

    kept.email = (kept.email or "").strip()
    kept.search_email = kept.email.upper()
    kept.last_modified_at = timezone.now()
    kept.full_clean(exclude=["number", "company"], validate_unique=False)
    kept.save()
    log = ContactMergeLog.objects.create(
        kept_contact=kept,
        kept_number=kept.number,
        duplicate_number=duplicate.number,
        duplicate_name=duplicate.name,
        merged_by=user if user is not None and user.is_authenticated else None,
        field_overrides=applied,
        references_moved=moved,
    )
    DeletedContactTombstone.objects.create(
        contact_id=duplicate.pk, number=duplicate.number, name=duplicate.name, link_rows=[]
    )
    Contact.objects.filter(pk=duplicate.pk).update(company=None)
    duplicate.delete()
    contact_duplicate_strings_rebuild(contact_ids=[kept.pk])
    persons = list(Contact.objects.filter(company=kept).values_list("pk", flat=True))
    contact_business_relation_summary_recompute(contact_ids=[kept.pk, *persons])
    return log


def duplicate_counts() -> dict:
    return ContactDuplicate.objects.aggregate(
        open=Count("id", filter=Q(is_separate=False)),
        separate=Count("id", filter=Q(is_separate=True)),
    )
