"""Demo segments (SPEC 5), built through the segments services (idempotent).

* "Newsletter — Paris companies": one *add* action (companies in Paris) with the newsletter
  template; its criteria are saved as ``PARIS-NEWS``.
* "Trade fair 2026": purchasing contacts in France, *refined* to French speakers and
  *reduced* by those who want paper mail; the
  campaign "Salon Maison & Objet" is set when the campaigns area has already made it
  (campaigns seed after segments, so a first run leaves it blank).
* "Customer calls": customer companies of the North territory with the outgoing call
  template, logged at once (``segment_log`` runs synchronously: one INSERT … SELECT of the
  interactions), so the demo has a logged segment.

Segments are found again by description, the saved criteria by code and the logged segment
by its description, so a second run adds nothing. The lines are set-based (one statement
per criteria action); segments are not topped up when ``--contacts`` grows.
"""

from django.apps import apps
from django.contrib.auth import get_user_model

from interactions.models import InteractionTemplate
from setup.models import Salesperson

from .models import LoggedSegment, SavedSegmentCriteria, Segment
from .services import (
    segment_create,
    segment_criteria_apply,
    segment_criteria_save,
    segment_delete,
    segment_log,
)

NEWSLETTER = "Newsletter — Paris companies / Lettre d'info — entreprises parisiennes"
TRADE_FAIR = "Trade fair 2026 / Salon 2026 — purchasing / achats"
CALLS = "Customer calls North / Appels clients Nord"
SAVED_CODE = "PARIS-NEWS"
CAMPAIGN = "Salon Maison & Objet"


def _in(*values: str) -> dict:
    return {"op": "in", "values": list(values)}


def seed(*, contacts: int, stdout) -> str:
    user = get_user_model().objects.filter(username="admin").first()
    people = {s.code: s for s in Salesperson.objects.filter(is_blocked=False)}
    templates = {t.code: t for t in InteractionTemplate.objects.filter(code__in=["NEWS", "CALL"])}
    made, lines = [], 0

    segment = Segment.objects.filter(description=NEWSLETTER).first()
    if segment is None:
        segment = segment_create(
            user=user,
            data={
                "description": NEWSLETTER,
                "salesperson": people.get("LB"),
                "template": templates.get("NEWS"),
            },
        )
        _action, count = segment_criteria_apply(
            segment=segment,
            action="add",
            user=user,
            filters={
                "contact": {
                    "type": _in("company"),
                    "city": {"op": "pattern", "value": "Paris"},
                }
            },
        )
        made.append(segment.number)
        lines += count
    if not SavedSegmentCriteria.objects.filter(code=SAVED_CODE).exists():
        segment_criteria_save(
            segment=segment,
            code=SAVED_CODE,
            description="Paris companies / Entreprises parisiennes",
            user=user,
        )

    if not Segment.objects.filter(description=TRADE_FAIR).exists():
        campaign_model = apps.get_model("campaigns", "Campaign")
        segment = segment_create(
            user=user,
            data={
                "description": TRADE_FAIR,
                "salesperson": people.get("CL"),
                "template": templates.get("NEWS"),
                "campaign": campaign_model.objects.filter(description=CAMPAIGN).first(),
                "is_campaign_target": True,
            },
        )
        _action, count = segment_criteria_apply(
            segment=segment,
            action="add",
            user=user,
            filters={
                "contact": {"type": _in("person"), "country": _in("FR")},
                "job_responsibility": {"job_responsibility": _in("PURCHASE")},
            },
        )
        _action, removed = segment_criteria_apply(
            segment=segment,
            action="refine",
            user=user,
            filters={"contact": {"language": _in("FRA")}},
        )
        _action, removed_no_mail = segment_criteria_apply(
            segment=segment,
            action="reduce",
            user=user,
            filters={"contact": {"correspondence_type": _in("hard_copy")}},
        )
        made.append(segment.number)
        lines += count - removed - removed_no_mail

    logged = 0
    if not LoggedSegment.objects.filter(description=CALLS).exists() and "CALL" in templates:
        segment = segment_create(
            user=user,
            data={
                "description": CALLS,
                "salesperson": people.get("JO"),
                "template": templates["CALL"],
            },
        )
        _action, count = segment_criteria_apply(
            segment=segment,
            action="add",
            user=user,
            filters={
                "contact": {"type": _in("company"), "territory": _in("NORTH")},
                "business_relation": {"business_relation": _in("CUST")},
            },
        )
        if count:
            segment_log(segment=segment, user=user)
            logged = count
        else:  # too few contacts yet: a later, bigger run tries again
            segment_delete(segment=segment)
    return (
        f"{len(made)} segments ({lines} lines) added, {logged} interactions logged from a segment"
    )
