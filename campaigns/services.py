"""Campaign writes (SPEC 6.2): create/update/delete, special prices, entries, target groups."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import CommentLine, CommentTargetKind, Contact, ContactBusinessRelation
from crm.concurrency import ensure_not_stale
from crm.exceptions import ApplicationError
from crm.models import BulkJob
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
    model_update,
)
from crm.sql import Alias, columns, table
from setup.models import LinkType, NumberSeries, Salesperson
from setup.services import number_assign, salesperson_for_user, salesperson_validate_choosable

from . import references
from .models import (
    Campaign,
    CampaignEntry,
    CampaignPriceLine,
    CampaignStatus,
    CampaignTargetGroup,
    TargetKind,
)
from .references import NON_BLOCKING, OWN_CHILDREN, interaction_entry_model, interaction_model

# CMP-20 / 6.6: activation runs inline up to this many qualifying lines and interactions.
ACTIVATE_INLINE_LIMIT = 1000
DELETE_CANCELED_BATCH_SIZE = 500

_DEFAULT = object()


# --------------------------------------------------------------------------------------------
# Campaign (CMP-1, CMP-2)
# --------------------------------------------------------------------------------------------

CAMPAIGN_UPDATE_FIELDS = ["description", "starting_date", "ending_date", "salesperson", "status"]


@transaction.atomic
def campaign_create(
    *,
    user=None,
    description: str = "",
    starting_date: dt.date | None = None,
    ending_date: dt.date | None = None,
    salesperson: Salesperson | object | None = _DEFAULT,
    status: CampaignStatus | None = None,
    typed_number: str = "",
    chosen_series: NumberSeries | None = None,
) -> Campaign:
    """CMP-1: number from ``campaign_series``; salesperson defaults to the user's."""
    if salesperson is _DEFAULT:
        salesperson = salesperson_for_user(user)
    salesperson_validate_choosable(salesperson)
    campaign = Campaign(
        description=description,
        starting_date=starting_date,
        ending_date=ending_date,
        salesperson=salesperson,
        status=status,
        last_modified_on=timezone.localdate(),
    )
    # Validate the row before drawing a number, so a refused campaign uses none.
    campaign.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    issued = number_assign(
        setup_field="campaign_series",
        model=Campaign,
        typed_number=typed_number,
        chosen_series=chosen_series,
    )
    campaign.number = issued.number
    campaign.number_series = issued.series
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, data: dict[str, Any], expected_version: str | None = None
) -> Campaign:
    """CMP-1: the dates stay ordered; a newly chosen salesperson must be choosable.

    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused
    with the fields that differ (your value / current value) and nothing is written.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    values = {k: v for k, v in data.items() if k in CAMPAIGN_UPDATE_FIELDS}
    ensure_not_stale(
        instance=campaign, expected_version=expected_version, fields=list(values), data=values
    )
    if "salesperson" in data and getattr(data["salesperson"], "pk", None) != (
        campaign.salesperson_id
    ):
        salesperson_validate_choosable(data["salesperson"])
    fields = [f for f in CAMPAIGN_UPDATE_FIELDS if f in data]
    campaign, changed = model_update(instance=campaign, fields=fields, data=data)
    if changed:
        today = timezone.localdate()
        Campaign.objects.filter(pk=campaign.pk).update(last_modified_on=today)
        campaign.last_modified_on = today
    return campaign


def campaign_references(*, campaign: Campaign) -> list[str]:
    """CMP-2: what still references the campaign ("3 interactions", …), own children aside."""
    found = []
    for rel in Campaign._meta.related_objects:
        model = rel.related_model
        if model._meta.label_lower in OWN_CHILDREN | NON_BLOCKING:
            continue
        count = model._default_manager.filter(**{rel.field.name: campaign}).count()
        if count:
            meta = model._meta
            name = meta.verbose_name_plural if count > 1 else meta.verbose_name
            found.append(f"{count} {name}")
    return found


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    """CMP-2: refused while other records reference the campaign; else deactivate and delete
    its comments, price lines and entries with it."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refs = campaign_references(campaign=campaign)
    if refs:
        raise ApplicationError(
            _("Campaign %(number)s cannot be deleted: it is still used by %(refs)s.")
            % {"number": campaign.number, "refs": ", ".join(refs)}
        )
    campaign_deactivate(campaign=campaign)
    CommentLine.objects.filter(
        target_kind=CommentTargetKind.CAMPAIGN, target_id=campaign.pk
    ).delete()
    CampaignPriceLine.objects.filter(campaign=campaign).delete()
    CampaignEntry.objects.filter(campaign=campaign).delete()
    campaign.delete()


def _campaign_touch(campaign_id: int) -> None:
    Campaign.objects.filter(pk=campaign_id).update(
        last_modified_on=timezone.localdate(), updated_at=timezone.now()
    )


# --------------------------------------------------------------------------------------------
# Price lines
# --------------------------------------------------------------------------------------------

PRICE_LINE_FIELDS = [
    "item_code",
    "description",
    "unit_of_measure",
    "currency",
    "minimum_quantity",
    "unit_price",
    "line_discount_percent",
]


@transaction.atomic
def campaign_price_line_create(*, campaign: Campaign, data: dict[str, Any]) -> CampaignPriceLine:
    line = CampaignPriceLine(
        campaign=campaign, **{k: v for k, v in data.items() if k in PRICE_LINE_FIELDS}
    )
    if line.minimum_quantity is None:
        line.minimum_quantity = 0
    line.full_clean()
    line.save()
    _campaign_touch(campaign.pk)
    return line


@transaction.atomic
def campaign_price_line_update(
    *, line: CampaignPriceLine, data: dict[str, Any], expected_version: str | None = None
) -> CampaignPriceLine:
    """``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    line = CampaignPriceLine.objects.select_for_update().get(pk=line.pk)
    edited = [f for f in PRICE_LINE_FIELDS if f in data]
    ensure_not_stale(instance=line, expected_version=expected_version, fields=edited, data=data)
    data = dict(data)
    if data.get("minimum_quantity") is None and "minimum_quantity" in data:
        data["minimum_quantity"] = 0
    line, changed = model_update(instance=line, fields=PRICE_LINE_FIELDS, data=data)
    if changed:
        _campaign_touch(line.campaign_id)
    return line


@transaction.atomic
def campaign_price_line_delete(*, line: CampaignPriceLine) -> None:
    campaign_id = line.campaign_id
    line.delete()
    _campaign_touch(campaign_id)


# --------------------------------------------------------------------------------------------
# Special prices: activation and target groups (CMP-20…25)
# --------------------------------------------------------------------------------------------


class ActivationNeedsConfirmation(ApplicationError):
    """CMP-20: the campaign has no price lines; the page asks "activate anyway?"."""


@dataclass(frozen=True)
class ActivationResult:
    inserted: int = 0
    job: BulkJob | None = None


def _source_contacts_sql(
    campaign_ids: Iterable[int], contact_ids: Iterable[int] | None = None, *, union: str = "UNION"
):
    """SQL (and params) selecting (campaign_id, contact_id) of all qualifying rows, or None."""
    parts, params = [], []
    for source in references.target_sources():
        sql, p = source.sql(campaign_ids, contact_ids)
        parts.append(sql)
        params.extend(p)
    if not parts:
        return None, []
    return f" {union} ".join(f"({part})" for part in parts), params


def _insert_targets_sql(sources: str) -> str:
    """Company of each qualifying contact; a customer link gives a customer row, else a
    contact row. ``src (campaign_id, contact_id)`` names the sources' output itself."""
    person, company = Alias(Contact, "person"), Alias(Contact, "company")
    link = Alias(ContactBusinessRelation, "link")
    contacts, inserted = table(Contact), columns(CampaignTargetGroup, "kind", "number", "campaign")
    return f"""
INSERT INTO {table(CampaignTargetGroup)} ({inserted})
SELECT DISTINCT
    CASE WHEN {link.external_number} IS NULL THEN %s ELSE %s END,
    COALESCE({link.external_number}, {company.number}),
    src.campaign_id
FROM ({sources}) AS src (campaign_id, contact_id)
JOIN {contacts} {person} ON {person.id} = src.contact_id
JOIN {contacts} {company} ON {company.id} = COALESCE({person.company}, {person.id})
LEFT JOIN {table(ContactBusinessRelation)} {link}
    ON {link.contact} = {company.id} AND {link.link_type} = %s
ON CONFLICT DO NOTHING
"""  # noqa: S608 (identifiers from crm.sql, values bound)


def _insert_targets(campaign_ids, contact_ids=None) -> int:
    sources, params = _source_contacts_sql(campaign_ids, contact_ids)
    if sources is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_targets_sql(sources),
            [TargetKind.CONTACT, TargetKind.CUSTOMER, *params, LinkType.CUSTOMER],
        )
        return cursor.rowcount


def campaign_qualifying_count(*, campaign: Campaign) -> int:
    """Qualifying segment lines and interactions of the campaign (CMP-20/21, 6.6)."""
    sources, params = _source_contacts_sql([campaign.pk], union="UNION ALL")
    if sources is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sources}) AS src", params)  # noqa: S608 (SQL of references.target_sources)
        return cursor.fetchone()[0]


@transaction.atomic
def campaign_activate(
    *, campaign: Campaign, activate_without_prices: bool = False, user=None
) -> ActivationResult:
    """CMP-20/21: insert the target rows (set-based); a bulk job above the inline limit."""
    from .tasks import campaign_activate_task

    if not activate_without_prices and not campaign.price_lines.exists():
        raise ActivationNeedsConfirmation(
            _("Campaign %(number)s has no price lines. Activate anyway?")
            % {"number": campaign.number}
        )
    qualifying = campaign_qualifying_count(campaign=campaign)
    if not qualifying:
        raise ApplicationError(
            _(
                "No segment line or interaction is marked as campaign target for campaign "
                "%(number)s; tick Campaign target on a segment first."
            )
            % {"number": campaign.number}
        )
    if qualifying > ACTIVATE_INLINE_LIMIT:
        job = bulk_job_create(
            kind="campaign_activate", user=user, target=campaign, total=qualifying
        )
        campaign_activate_task.delay_on_commit(job.pk)
        return ActivationResult(job=job)
    inserted = _insert_targets([campaign.pk])
    _campaign_touch(campaign.pk)
    return ActivationResult(inserted=inserted)


def campaign_activate_run(*, job_id: int) -> int:
    """Body of the ``campaign_activate`` job; ON CONFLICT makes a rerun harmless."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return job.result.get("inserted", 0)
    bulk_job_start(job_id=job_id)
    try:
        with transaction.atomic():
            inserted = _insert_targets([job.target_id])
            _campaign_touch(job.target_id)
    except Exception as exc:
        bulk_job_finish(job_id=job_id, error=str(exc))
        raise
    bulk_job_finish(job_id=job_id, result={"inserted": inserted})
    return inserted


@transaction.atomic
def campaign_deactivate(*, campaign: Campaign) -> int:
    """CMP-25: delete all target rows of the campaign."""
    deleted, _detail = CampaignTargetGroup.objects.filter(campaign=campaign).delete()
    if deleted:
        _campaign_touch(campaign.pk)
    return deleted


def _company_numbers(contact_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    """company id -> (company contact number, customer external number or None)."""
    companies = Contact.objects.filter(
        pk__in={
            company or pk
            for pk, company in Contact.objects.filter(pk__in=list(contact_ids)).values_list(
                "pk", "company_id"
            )
        }
    ).values_list("pk", "number")
    links = dict(
        ContactBusinessRelation.objects.filter(
            contact_id__in=[pk for pk, _n in companies], link_type=LinkType.CUSTOMER
        ).values_list("contact_id", "external_number")
    )
    return {pk: (number, links.get(pk)) for pk, number in companies}


@transaction.atomic
def campaign_targets_refresh(*, campaign_id: int, contact_ids: Iterable[int]) -> None:
    """CMP-23 hook, set-based and idempotent. Call it after a segment line or a
    non-postponed interaction was inserted, changed or deleted, with the campaign and the
    contacts concerned (old and new values when the campaign or contact changed).

    Only an activated campaign changes: a company still qualifying gets its row; a company
    whose last qualifying line or interaction is gone loses it.
    """
    contact_ids = [pk for pk in contact_ids if pk]
    if not contact_ids or not CampaignTargetGroup.objects.filter(campaign_id=campaign_id).exists():
        return
    _insert_targets([campaign_id], contact_ids)
    companies = _company_numbers(contact_ids)
    # Which of these companies still qualify (through any of their persons)?
    still: set[int] = set()
    sources, params = _source_contacts_sql([campaign_id])
    if sources is not None:
        c = Alias(Contact, "c")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT COALESCE({c.company}, {c.id}) FROM ({sources}) AS src "  # noqa: S608 (crm.sql names)
                f"(campaign_id, contact_id) JOIN {table(Contact)} {c} ON {c.id} = src.contact_id "
                f"WHERE COALESCE({c.company}, {c.id}) = ANY(%s)",
                [*params, list(companies)],
            )
            still = {row[0] for row in cursor.fetchall()}
    gone = Q(pk__in=[])
    for pk, (number, external) in companies.items():
        if pk in still:
            continue
        gone |= Q(kind=TargetKind.CONTACT, number=number)
        if external:
            gone |= Q(kind=TargetKind.CUSTOMER, number=external)
    CampaignTargetGroup.objects.filter(gone, campaign_id=campaign_id).delete()


def campaign_target_added(*, campaign_id: int, contact_id: int) -> None:
    """CMP-23 hook for a target line / interaction that now has this campaign."""
    campaign_targets_refresh(campaign_id=campaign_id, contact_ids=[contact_id])


def campaign_target_removed(*, campaign_id: int, contact_id: int) -> None:
    """CMP-23 hook for a target line / interaction that was deleted or lost the campaign
    or its target flag (call after the change is saved)."""
    campaign_targets_refresh(campaign_id=campaign_id, contact_ids=[contact_id])


@transaction.atomic
def campaign_target_convert_for_company(
    *, company: Contact, external_number: str | None, previous_external_number: str = ""
) -> int:
    """CMP-24: the company got a customer link (``external_number``): its contact rows become
    customer rows; the link was removed (``None``, with the number it had): back to contact
    rows. Duplicates in a campaign collapse into one row. Returns the rows converted."""
    if external_number:
        source = Q(kind=TargetKind.CONTACT, number=company.number)
        new_kind, new_number = TargetKind.CUSTOMER, external_number
    else:
        if not previous_external_number:
            return 0
        source = Q(kind=TargetKind.CUSTOMER, number=previous_external_number)
        new_kind, new_number = TargetKind.CONTACT, company.number
    rows = CampaignTargetGroup.objects.filter(source)
    # A campaign that already has the converted row keeps it; the source row goes.
    rows.filter(
        campaign_id__in=CampaignTargetGroup.objects.filter(kind=new_kind, number=new_number).values(
            "campaign_id"
        )
    ).delete()
    return rows.update(kind=new_kind, number=new_number)


def business_link_created_receiver(sender, link, contact, **kwargs) -> None:
    if link.link_type == LinkType.CUSTOMER:
        campaign_target_convert_for_company(company=contact, external_number=link.external_number)


def business_link_deleted_receiver(sender, link, contact, **kwargs) -> None:
    if link.link_type == LinkType.CUSTOMER:
        campaign_target_convert_for_company(
            company=contact, external_number=None, previous_external_number=link.external_number
        )


# --------------------------------------------------------------------------------------------
# Campaign entries (CMP-11, CMP-12)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_entries_set_canceled(*, entry_ids: Iterable[int], is_canceled: bool) -> int:
    """CMP-11: toggle ``is_canceled`` on the entries and on their interactions."""
    ids = list(entry_ids)
    now = timezone.now()
    count = (
        CampaignEntry.objects.filter(pk__in=ids)
        .exclude(is_canceled=is_canceled)
        .update(is_canceled=is_canceled, updated_at=now)
    )
    interactions = interaction_entry_model()
    if interactions is not None:
        interactions._default_manager.filter(campaign_entry_id__in=ids).exclude(
            is_canceled=is_canceled
        ).update(is_canceled=is_canceled, updated_at=now)
    return count


def _delete_entries_with_interactions(ids: list[int]) -> int:
    interactions = interaction_entry_model()
    pairs: set[tuple[int, int]] = set()
    if interactions is not None:
        doomed = interactions._default_manager.filter(campaign_entry_id__in=ids)
        if interaction_model() is not None:  # CMP-23: targets lost with these interactions
            pairs = set(
                doomed.filter(is_campaign_target=True, is_postponed=False, campaign__isnull=False)
                .exclude(contact=None)
                .values_list("campaign_id", "contact_id")
            )
        doomed.delete()
    deleted, _detail = CampaignEntry.objects.filter(pk__in=ids, is_canceled=True).delete()
    if pairs:
        interaction_targets_changed_receiver(sender=None, pairs=pairs)
    return deleted


@transaction.atomic
def campaign_entry_delete(*, entry: CampaignEntry) -> None:
    """CMP-12 for one entry: only a canceled entry can be deleted, with its interactions."""
    entry = CampaignEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.is_canceled:
        raise ValidationError(
            _("Campaign entry %(no)s is not canceled; only canceled entries can be deleted.")
            % {"no": entry.entry_no},
            code="entry_not_canceled",
        )
    _delete_entries_with_interactions([entry.pk])


@transaction.atomic
def campaign_entries_delete_canceled_start(*, campaign: Campaign, user=None) -> BulkJob:
    """CMP-12: start the ``campaign_entries_delete_canceled`` job for one campaign."""
    from .tasks import campaign_entries_delete_canceled_task

    job = bulk_job_create(
        kind="campaign_entries_delete_canceled",
        user=user,
        target=campaign,
        total=campaign.entries.filter(is_canceled=True).count(),
    )
    campaign_entries_delete_canceled_task.delay_on_commit(job.pk)
    return job


def campaign_entries_delete_canceled(
    *, job_id: int, batch_size: int = DELETE_CANCELED_BATCH_SIZE
) -> int:
    """CMP-12 in committed batches; a rerun deletes what is left (idempotent)."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return job.result.get("deleted", 0)
    canceled = CampaignEntry.objects.filter(campaign_id=job.target_id, is_canceled=True)
    bulk_job_start(job_id=job_id, total=canceled.count() + job.done)
    deleted = job.done
    while True:
        with transaction.atomic():
            ids = list(canceled.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            deleted += _delete_entries_with_interactions(ids)
            bulk_job_progress(job_id=job_id, done=deleted)
    bulk_job_finish(job_id=job_id, result={"deleted": deleted})
    return deleted


@transaction.atomic
def campaign_entry_create(
    *,
    campaign: Campaign,
    description: str = "",
    date: dt.date | None = None,
    user=None,
    segment_number: str = "",
    logged_segment_entry_no: int | None = None,
    document_kind: str = "",
    salesperson: Salesperson | None = None,
) -> CampaignEntry:
    """CMP-10: entry point for segments / interactions / the API creating an entry."""
    entry = CampaignEntry(
        campaign=campaign,
        description=description or campaign.description,
        date=date or timezone.localdate(),
        user=user if user is not None and user.is_authenticated else None,
        segment_number=segment_number,
        logged_segment_entry_no=logged_segment_entry_no,
        document_kind=document_kind,
        salesperson=salesperson,
    )
    entry.full_clean(exclude=["entry_no"])
    entry.save()
    entry.refresh_from_db(fields=["entry_no"])
    return entry


# --------------------------------------------------------------------------------------------
# The campaign entry provider (interactions.campaign_entries, docs/decisions/0009): CMP-10
# --------------------------------------------------------------------------------------------


def campaign_entry_create_for_interaction(*, entry) -> CampaignEntry | None:
    """CMP-10: a single interaction finished with a campaign gets its campaign entry; the
    interactions area stores the returned entry on the interaction (decision 0009)."""
    if not entry.campaign_id:
        return None
    return campaign_entry_create(
        campaign=entry.campaign,
        description=entry.description,
        date=entry.date,
        user=entry.user,
        segment_number=entry.segment_number,
        document_kind=entry.document_kind,
        salesperson=entry.salesperson,
    )


def campaign_entries_create_for_logged_segment(
    *, logged_segment, campaign_ids, description="", date=None, user=None, salesperson=None
) -> dict[int, CampaignEntry]:
    """SEG-41 / CMP-10: one campaign entry per (campaign, document kind) of the logged
    segment — segment interactions carry no document kind, so one per campaign. Returns
    ``{campaign_id: entry}``; segments store each entry on its interactions (decision 0009)."""
    campaigns = Campaign.objects.filter(pk__in=campaign_ids).order_by("pk")
    return {
        campaign.pk: campaign_entry_create(
            campaign=campaign,
            description=description,
            date=date,
            user=user,
            segment_number=logged_segment.segment_number,
            logged_segment_entry_no=logged_segment.entry_no,
            salesperson=salesperson,
        )
        for campaign in campaigns
    }


# --------------------------------------------------------------------------------------------
# Receivers of the interactions and segments signals (docs/decisions/0004): SEG-43, CMP-23
# --------------------------------------------------------------------------------------------


def interaction_targets_changed_receiver(sender, pairs, **kwargs) -> None:
    """CMP-23: interactions with a campaign and the target flag were added, changed or
    deleted; refresh the target group of each (activated) campaign concerned."""
    by_campaign: dict[int, set[int]] = {}
    for campaign_id, contact_id in pairs:
        by_campaign.setdefault(campaign_id, set()).add(contact_id)
    for campaign_id in sorted(by_campaign):
        campaign_targets_refresh(campaign_id=campaign_id, contact_ids=by_campaign[campaign_id])


def logged_segment_canceled_receiver(sender, logged_segment, is_canceled, **kwargs) -> int:
    """SEG-43: the campaign entries of a logged segment follow its canceled flag."""
    return CampaignEntry.objects.filter(logged_segment_entry_no=logged_segment.entry_no).update(
        is_canceled=is_canceled, updated_at=timezone.now()
    )


def segment_targets_changed_receiver(sender, campaign_ids, contact_ids, **kwargs) -> None:
    """CMP-23: segment target lines of these campaigns and contacts changed."""
    for campaign_id in sorted(campaign_ids):
        campaign_targets_refresh(campaign_id=campaign_id, contact_ids=contact_ids)
