"""Demo data for the interactions area (idempotent, set-based)."""

from django.db import connection

from contacts.models import Contact
from crm.sql import Alias, column, table
from setup.models import Language

from .body_templates import email_body_validate
from .models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
)

GROUPS = {
    "CALLS": "Phone calls / Appels",
    "MEETINGS": "Meetings / Réunions",
    "LETTERS": "Letters / Courriers",
    "EMAIL": "E-mails",
}
TEMPLATES = [
    # code, description, group, cost, minutes, flow, initiated by, correspondence, mode
    ("CALL", "Outgoing call", "CALLS", "2.50", "10", "outbound", "us", "", ""),
    ("CALLIN", "Incoming call", "CALLS", "0", "10", "inbound", "them", "", ""),
    ("MEETING", "Customer meeting", "MEETINGS", "80", "90", "outbound", "us", "", ""),
    ("LETTER", "Letter", "LETTERS", "1.20", "5", "outbound", "us", "hard_copy", ""),
    ("NEWS", "Newsletter", "EMAIL", "0.05", "1", "outbound", "us", "email", "merge"),
]
BODIES = {
    "EN": (
        "Our news",
        "Dear {{ contact.first_name|default:contact.name }},\n\n"
        "Here is our latest news.\n\n{{ salesperson.name }}",
    ),
    "FR": (
        "Nos actualités",
        "Bonjour {{ contact.first_name|default:contact.name }},\n\n"
        "Voici nos dernières actualités.\n\n{{ salesperson.name }}",
    ),
}
PER_CONTACT = 3


def seed(*, contacts: int, stdout, interactions: int | None = None) -> str:
    """``interactions``: top the log up to that many entries (None: every contact gets some)."""
    groups = {
        code: InteractionGroup.objects.get_or_create(code=code, defaults={"description": d})[0]
        for code, d in GROUPS.items()
    }
    templates = {}
    for code, desc, group, cost, minutes, flow, by, corr, mode in TEMPLATES:
        templates[code] = InteractionTemplate.objects.get_or_create(
            code=code,
            defaults={
                "description": desc,
                "group": groups[group],
                "unit_cost": cost,
                "unit_duration_min": minutes,
                "information_flow": flow,
                "initiated_by": by,
                "correspondence_type": corr,
                "attachment_mode": mode,
            },
        )[0]
    news = templates["NEWS"]
    for code, (subject, body) in BODIES.items():
        language = Language.objects.filter(code=code).first()
        if language is None:
            continue
        email_body_validate(body)
        InteractionTemplateLanguage.objects.get_or_create(
            template=news,
            language=language,
            defaults={"email_subject": subject, "email_body": body},
        )
        if news.default_language_id is None and code == "EN":
            news.default_language = language
            news.save(update_fields=["default_language", "updated_at"])
    setup = InteractionTemplateSetup.load()
    if setup.outgoing_call_id is None:
        setup.outgoing_call = templates["CALL"]
        setup.save(update_fields=["outgoing_call", "updated_at"])

    template_ids = [templates[code].pk for code in ("CALL", "CALLIN", "MEETING", "LETTER")]
    # ``c`` is a contact row (``c.*``), ``t`` a template: their columns come from crm.sql.
    c, t, e = Alias(Contact, "c"), Alias(InteractionTemplate, "t"), Alias(InteractionLogEntry, "e")
    explicit = {
        "contact_id": c.id,
        "contact_company_id": f"COALESCE({c.company}, {c.id})",
        "contact_name_snapshot": f"LEFT({c.name}, 100)",
        "date": f"current_date - (({c.id} * 37 + g * 101) % 720)::int",
        "time": f"time '08:00' + (({c.id} + g) % 600) * interval '1 minute'",
        "description": t.description,
        "information_flow": t.information_flow,
        "initiated_by": t.initiated_by,
        "cost": t.unit_cost,
        "duration_min": t.unit_duration_min,
        "salesperson_id": c.salesperson,
        "group_id": t.group,
        "template_id": t.id,
        "correspondence_type": t.correspondence_type,
        "evaluation": "(ARRAY['', 'positive', 'neutral', 'very_positive', 'negative'])"
        f"[1 + ({c.id} + g) % 5]",
        "attempt_failed": f"({c.id} + g) % 11 = 0",
        "is_canceled": f"({c.id} + g) % 29 = 0",
        "created_at": "now()",
        "updated_at": "now()",
    }
    fields = InteractionLogEntry._meta.concrete_fields
    unknown = set(explicit) - {field.attname for field in fields}
    if unknown:  # a renamed field would otherwise silently get its default
        raise ValueError(f"unknown interaction columns: {sorted(unknown)}")
    columns, expressions, params = [], [], []
    for field in fields:
        if field.primary_key or field.attname == "entry_no":
            continue
        columns.append(column(InteractionLogEntry, field.name))
        if field.attname in explicit:
            expressions.append(explicit[field.attname].replace("%", "%%"))
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    entries = table(InteractionLogEntry)
    # The first contacts without entries, PER_CONTACT each, up to ``interactions`` in all.
    limit = None
    if interactions is not None:
        missing = interactions - InteractionLogEntry.objects.count()
        limit = max(0, -(-missing // PER_CONTACT))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entries} ({', '.join(columns)}) "  # noqa: S608 (crm.sql names)
            f"SELECT {', '.join(expressions)} "
            f"FROM (SELECT c.* FROM {table(Contact)} c WHERE NOT {c.is_privacy_blocked} "
            f"  AND NOT EXISTS (SELECT 1 FROM {entries} e WHERE {e.contact} = {c.id}) "
            f"  ORDER BY {c.id} LIMIT %s) c CROSS JOIN generate_series(1, %s) g "
            f"JOIN {table(InteractionTemplate)} t "
            f"  ON {t.id} = (%s::bigint[])[1 + ({c.id} + g) %% cardinality(%s::bigint[])] ",
            [*params, limit, PER_CONTACT, template_ids, template_ids],
        )
        added = cursor.rowcount
    return f"{len(templates)} templates, {added} interactions added"
