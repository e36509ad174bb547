"""Demo opportunities and tasks (SPEC 7 and 8): bilingual, idempotent, set-based.

Reference data (sales cycles with their stages, close codes, activities with steps) is made
once with ``get_or_create``; ``MarketingSetup.default_sales_cycle`` is set when blank.

Volume rows are ``INSERT … SELECT``: opportunities for about 2 % of the companies (at least
30) without one yet, spread over the two cycles, their stages, the salespeople and the next
six close months; each gets its entry history (inactive entries of the stages passed, one
active entry), some are won or lost (won only for customer-linked companies, OPP-19). The
pipeline summary follows by itself (statement triggers on the entry table). Opportunities
past the quote-required stage get a sales quote. Every open opportunity gets a follow-up
task dated around today, some of them completed. Numbers come as one block of each series
(``contacts.demo.issue_block``: the series line is locked and advanced by the block size).

A few team tasks (with their member copies) and meetings (with attendees) go through
``task_create`` and are found again by description, so a second run adds nothing.
"""

import datetime as dt
import math

from django.db import connection
from django.utils import timezone

from contacts.demo import h, insert_select, issue_block, quote
from contacts.models import BusinessRelationSummary, Contact
from crm.sql import Alias, table
from setup.models import (
    ContactType,
    Currency,
    Language,
    MarketingSetup,
    NumberSeries,
    Salesperson,
    Team,
)

from .models import (
    Activity,
    ActivityStep,
    CloseOpportunityCode,
    CloseType,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    SalesQuote,
    Task,
    TaskType,
)
from .task_services import attendee_add, task_create

OPPORTUNITY_SHARE = 0.02  # of companies
OPPORTUNITY_MIN = 30

ACTIVITIES = {
    "FIRST-CONT": (
        "First contact / Premier contact",
        [
            (1, TaskType.PHONE_CALL, "Call the prospect / Appeler le prospect", "high", "0D"),
            (2, TaskType.BLANK, "Send the brochure / Envoyer la brochure", "normal", "2D"),
            (3, TaskType.MEETING, "Discovery meeting / Rendez-vous découverte", "normal", "1W"),
        ],
    ),
    "QUOTE-FU": (
        "Quote follow-up / Relance devis",
        [
            (1, TaskType.BLANK, "Prepare the quote / Préparer le devis", "high", "0D"),
            (2, TaskType.PHONE_CALL, "Follow up the quote / Relancer le devis", "normal", "1W"),
        ],
    ),
}
# code: (description, stages: (stage, description, completed %, chances %, quote, activity))
CYCLES = {
    "NEW": (
        "New business / Nouveaux clients",
        [
            (1, "Initial contact / Premier contact", 10, 20, False, "FIRST-CONT"),
            (2, "Needs analysis / Analyse des besoins", 30, 40, False, None),
            (3, "Proposal / Proposition commerciale", 60, 50, True, "QUOTE-FU"),
            (4, "Negotiation / Négociation", 85, 70, False, None),
        ],
    ),
    "EXIST": (
        "Existing customers / Clients existants",
        [
            (1, "Need identified / Besoin identifié", 20, 50, False, None),
            (2, "Offer sent / Offre envoyée", 60, 70, False, None),
            (3, "Order confirmation / Confirmation de commande", 90, 90, False, None),
        ],
    ),
}
CLOSE_CODES = [
    ("WON-REF", "Won – reference customer / Gagné – client référence", CloseType.WON),
    ("WON-PRICE", "Won on price / Gagné sur le prix", CloseType.WON),
    ("PRICE", "Lost – price too high / Perdu – prix trop élevé", CloseType.LOST),
    ("COMPET", "Lost to a competitor / Perdu face à un concurrent", CloseType.LOST),
    ("NOBUDGET", "Lost – no budget / Perdu – pas de budget", CloseType.LOST),
]
TOPICS_FR = [
    "Équipement des bureaux",
    "Renouvellement du parc informatique",
    "Contrat de maintenance",
    "Mobilier pour le nouveau siège",
    "Fournitures annuelles",
    "Extension du contrat",
    "Aménagement de l'entrepôt",
    "Projet éclairage LED",
]
TOPICS_EN = [
    "Office fit-out",
    "IT equipment refresh",
    "Maintenance contract",
    "Furniture for the new head office",
    "Annual supplies",
    "Contract extension",
    "Warehouse shelving",
    "LED lighting project",
]
TASKS_FR = ["Rappeler", "Envoyer la documentation à", "Préparer le rendez-vous avec", "Relancer"]
TASKS_EN = ["Call back", "Send the documentation to", "Prepare the meeting with", "Follow up"]
# (description, team code or None, salesperson code, type, day offset, start, minutes)
FIXED_TASKS = [
    ("Quarterly key account review / Revue trimestrielle grands comptes", "KEYACC", "AH",
     TaskType.BLANK, 3, None, 0),
    ("Update the price list / Mettre à jour la liste de prix", "KEYACC", "AH",
     TaskType.BLANK, -5, None, 0),
    ("Field sales kick-off / Lancement terrain", "FIELD", "AH", TaskType.BLANK, 10, None, 0),
    ("Pipeline review / Revue du pipeline", "KEYACC", "AH", TaskType.MEETING, 1,
     dt.time(9, 30), 60),
    ("Customer visit / Visite client", None, "JO", TaskType.MEETING, 2, dt.time(14, 0), 90),
    ("Product demo / Démonstration produit", None, "PS", TaskType.MEETING, -3,
     dt.time(10, 0), 45),
]  # fmt: skip


def seed(*, contacts: int, stdout) -> str:
    activities = _activities()
    cycles = _cycles(activities)
    codes = {
        code: CloseOpportunityCode.objects.get_or_create(
            code=code, defaults={"description": description, "type": kind}
        )[0]
        for code, description, kind in CLOSE_CODES
    }
    setup = MarketingSetup.load()
    if setup.default_sales_cycle_id is None:
        setup.default_sales_cycle = cycles["NEW"]
        setup.save(update_fields=["default_sales_cycle", "updated_at"])
    salespeople = list(
        Salesperson.objects.filter(is_blocked=False, is_privacy_blocked=False)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    if not salespeople:
        return "no salespeople: nothing to add"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
    added = _opportunities(setup, cycles, codes, salespeople)
    entries = _entries() if added else 0
    quotes = _quotes(setup) if added else 0
    tasks = _tasks(setup) if added else 0
    fixed = _fixed_tasks()
    return (
        f"{len(cycles)} sales cycles, {len(codes)} close codes; {added} opportunities, "
        f"{entries} entries, {quotes} quotes, {tasks} tasks, {fixed} team tasks/meetings added"
    )


def _activities() -> dict[str, Activity]:
    out = {}
    for code, (description, steps) in ACTIVITIES.items():
        activity, created = Activity.objects.get_or_create(
            code=code, defaults={"description": description}
        )
        if created:
            ActivityStep.objects.bulk_create(
                ActivityStep(
                    activity=activity,
                    step_no=no,
                    type=kind,
                    description=text,
                    priority=priority,
                    date_formula=formula,
                )
                for no, kind, text, priority, formula in steps
            )
        out[code] = activity
    return out


def _cycles(activities: dict[str, Activity]) -> dict[str, SalesCycle]:
    out = {}
    for code, (description, stages) in CYCLES.items():
        cycle, created = SalesCycle.objects.get_or_create(
            code=code, defaults={"description": description}
        )
        if created:
            SalesCycleStage.objects.bulk_create(
                SalesCycleStage(
                    sales_cycle=cycle,
                    stage=stage,
                    description=text,
                    completed_percent=completed,
                    chances_percent=chances,
                    is_quote_required=quote_required,
                    activity=activities.get(activity) if activity else None,
                    date_formula="1M",
                )
                for stage, text, completed, chances, quote_required, activity in stages
            )
        out[code] = cycle
    return out


def _opportunities(setup, cycles, codes, salespeople: list[int]) -> int:
    """Opportunities for companies without one, up to the share of the companies.

    The plan of each one (cycle, final stage, outcome, dates, value) goes to a temporary
    table ``demo_opp`` read by the entry, quote and task inserts."""
    companies = Contact.objects.filter(type="company").count()
    wanted = max(OPPORTUNITY_MIN, math.ceil(companies * OPPORTUNITY_SHARE))
    missing = wanted - Opportunity.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS demo_opp")
    if missing <= 0:
        return 0
    series = setup.opportunity_series or NumberSeries.objects.get(code="OPP")
    params = {
        "missing": missing,
        "new": cycles["NEW"].pk,
        "exist": cycles["EXIST"].pk,
        "salespeople": salespeople,
        "won": [codes["WON-REF"].pk, codes["WON-PRICE"].pk],
        "lost": [codes["PRICE"].pk, codes["COMPET"].pk, codes["NOBUDGET"].pk],
        "topics_fr": TOPICS_FR,
        "topics_en": TOPICS_EN,
    }
    n_topics = len(TOPICS_FR)
    # Contacts c (company) and p (its first person), stages s, opportunities o, languages l:
    # their columns come from crm.sql; demo_opp's columns are its own (AS names).
    c, p, s = Alias(Contact, "c"), Alias(Contact, "p"), Alias(SalesCycleStage, "s")
    o, lang = Alias(Opportunity, "o"), Alias(Language, "l")
    summaries = (BusinessRelationSummary.CUSTOMER, BusinessRelationSummary.MULTIPLE)
    customer = f"{c.business_relation_summary} IN ({', '.join(map(quote, summaries))})"
    outcome = (
        f"CASE WHEN {h(502, 100, c.id)} < 5 THEN 'new' "
        f"WHEN {h(502, 100, c.id)} < 50 AND {customer} THEN 'won' "
        f"WHEN {h(502, 100, c.id)} < 20 THEN 'lost' ELSE 'open' END"
    )
    # Customers run the "existing customers" cycle, prospects (mostly) the new business one.
    cycle = f"CASE WHEN {customer} AND {h(503, 100, c.id)} < 70 THEN %(exist)s ELSE %(new)s END"
    sequence = (
        f"pg_get_serial_sequence({quote(Opportunity._meta.db_table)}, "
        f"{quote(Opportunity._meta.pk.column)})"
    )
    contacts = table(Contact)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE demo_opp ON COMMIT DROP AS
            SELECT x.*, row_number() OVER (ORDER BY x.company_id) - 1 AS o,
                   nextval({sequence}) AS id,
                   (1 + {h(504, 1000, "x.company_id")} %% x.stages)::int AS final_stage
            FROM (
                SELECT {c.id} AS company_id, coalesce({p.id}, {c.id}) AS contact_id,
                       coalesce({c.salesperson},
                                (%(salespeople)s::bigint[])[1 + {h(505, len(salespeople), c.id)}])
                           AS salesperson_id,
                       {cycle} AS cycle_id,
                       (SELECT count(*) FROM {table(SalesCycleStage)} {s}
                        WHERE {s.sales_cycle} = {cycle}) AS stages,
                       {outcome} AS outcome,
                       current_date - (20 + {h(506, 300, c.id)})::int AS created,
                       (500 + {h(507, 400, c.id)} * 125)::numeric AS value,
                       current_date + {h(508, 180, c.id)}::int AS close_date,
                       CASE WHEN {c.language} = (SELECT {lang.id} FROM {table(Language)} {lang}
                                                  WHERE {lang.code} = 'FRA')
                            THEN (%(topics_fr)s::text[])[1 + {h(509, n_topics, c.id)}]
                            ELSE (%(topics_en)s::text[])[1 + {h(509, n_topics, c.id)}]
                       END || ' – ' || {c.name} AS description,
                       (%(won)s::bigint[])[1 + {h(510, 2, c.id)}] AS won_code,
                       (%(lost)s::bigint[])[1 + {h(510, 3, c.id)}] AS lost_code
                FROM {contacts} {c}
                LEFT JOIN LATERAL (
                    SELECT {p.id} FROM {contacts} {p}
                    WHERE {p.company} = {c.id} AND {p.type} = {quote(ContactType.PERSON)}
                      AND NOT {p.is_privacy_blocked}
                    ORDER BY {p.id} LIMIT 1
                ) p ON true
                WHERE {c.type} = {quote(ContactType.COMPANY)} AND NOT {c.is_privacy_blocked}
                  AND NOT EXISTS (SELECT 1 FROM {table(Opportunity)} {o}
                                  WHERE {o.contact_company} = {c.id})
                ORDER BY hashint8extended({c.id}, 501)
                LIMIT %(missing)s
            ) AS x
            """,  # noqa: S608 (identifiers from crm.sql, values bound)
            params,
        )
        cursor.execute("SELECT count(*) FROM demo_opp")
        count = cursor.fetchone()[0]
        # Stage dates: the history runs from the creation date to at most yesterday.
        cursor.execute(
            "ALTER TABLE demo_opp ADD COLUMN step int; "
            "UPDATE demo_opp SET step = GREATEST(1, (current_date - 1 - created) "
            "/ (final_stage + 1))"
        )
    if not count:
        return 0
    block = issue_block(series, count)
    status = (
        "CASE d.outcome WHEN 'new' THEN 'not_started' WHEN 'open' THEN 'in_progress' "
        "ELSE d.outcome END"
    )
    closed_on = "d.created + d.step * (d.final_stage + 1)"
    insert_select(
        Opportunity,
        {
            "id": "d.id",
            "number": block.sql("d.o"),
            "number_series_id": "%(series)s",
            "description": "left(d.description, 100)",
            "salesperson_id": "d.salesperson_id",
            "contact_id": "d.contact_id",
            "contact_company_id": "d.company_id",
            "sales_cycle_id": "d.cycle_id",
            "creation_date": "d.created",
            "status": status,
            "priority": f"(ARRAY['normal', 'normal', 'high', 'low'])[1 + {h(511, 4, 'd.id')}]",
            "is_closed": "d.outcome IN ('won', 'lost')",
            "date_closed": f"CASE WHEN d.outcome IN ('won', 'lost') THEN {closed_on} END",
        },
        "FROM demo_opp AS d",
        {"series": series.pk},
    )
    return count


def _entries() -> int:
    """One entry per stage passed (the last one active unless closed), plus the close."""
    s = Alias(SalesCycleStage, "s")
    probability = f"round({s.completed_percent} * {s.chances_percent} / 100, 5)"
    stage_date = "d.created + d.step * (g.stage - 1)"
    last = "g.stage = d.final_stage"
    open_last = f"{last} AND d.outcome = 'open'"
    passed = insert_select(
        OpportunityEntry,
        {
            "entry_no": "nextval('opportunities_entry_no_seq')",
            "opportunity_id": "d.id",
            "sales_cycle_id": "d.cycle_id",
            "stage": "g.stage",
            "contact_id": "d.contact_id",
            "contact_company_id": "d.company_id",
            "salesperson_id": "d.salesperson_id",
            "date_of_change": stage_date,
            "is_active": open_last,
            "days_open": f"CASE WHEN {open_last} THEN 0 ELSE d.step END",
            "action_taken": "CASE WHEN g.stage = 1 THEN '' ELSE 'next' END",
            "estimated_value": "d.value",
            "calculated_current_value": f"round(d.value * {probability} / 100, 2)",
            "completed_percent": s.completed_percent,
            "chances_percent": s.chances_percent,
            "probability_percent": probability,
            "previous_stage": "CASE WHEN g.stage > 1 THEN g.stage - 1 END",
            "estimated_close_date": "CASE WHEN d.outcome = 'open' THEN d.close_date "
            "ELSE d.created + d.step * (d.final_stage + 1) END",
        },
        "FROM demo_opp d CROSS JOIN LATERAL generate_series(1, d.final_stage) AS g(stage) "
        f"JOIN {table(SalesCycleStage)} s "
        f"ON {s.sales_cycle} = d.cycle_id AND {s.stage} = g.stage "
        "WHERE d.outcome <> 'new'",
        {},
    )
    closed_on = "d.created + d.step * (d.final_stage + 1)"
    won = "d.outcome = 'won'"
    closes = insert_select(
        OpportunityEntry,
        {
            "entry_no": "nextval('opportunities_entry_no_seq')",
            "opportunity_id": "d.id",
            "sales_cycle_id": "d.cycle_id",
            "stage": "d.final_stage",
            "contact_id": "d.contact_id",
            "contact_company_id": "d.company_id",
            "salesperson_id": "d.salesperson_id",
            "date_of_change": closed_on,
            "is_active": "true",
            "date_closed": closed_on,
            "action_taken": "d.outcome",
            "estimated_value": "d.value",
            "calculated_current_value": f"CASE WHEN {won} THEN d.value ELSE 0 END",
            "completed_percent": "100",
            "chances_percent": f"CASE WHEN {won} THEN 100 ELSE 0 END",
            "probability_percent": f"CASE WHEN {won} THEN 100 ELSE 0 END",
            "close_code_id": f"CASE WHEN {won} THEN d.won_code ELSE d.lost_code END",
            "previous_stage": "d.final_stage",
            "estimated_close_date": closed_on,
        },
        "FROM demo_opp d WHERE d.outcome IN ('won', 'lost') ORDER BY d.id",
        {},
    )
    return passed + closes


def _quotes(setup) -> int:
    """A sales quote for the new-business opportunities past the quote-required stage."""
    s = Alias(SalesCycleStage, "s")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_quote ON COMMIT DROP AS "  # noqa: S608 (crm.sql names)
            "SELECT d.*, row_number() OVER (ORDER BY d.id) - 1 AS qo FROM demo_opp d "
            f"WHERE d.outcome <> 'new' AND EXISTS (SELECT 1 FROM {table(SalesCycleStage)} s "
            f"WHERE {s.sales_cycle} = d.cycle_id AND {s.is_quote_required} "
            f"AND {s.stage} < d.final_stage + CASE WHEN d.outcome = 'won' THEN 1 ELSE 0 END)"
        )
        n = cursor.rowcount
    if not n:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE demo_quote")
        return 0
    series = setup.sales_quote_series or NumberSeries.objects.get(code="QUOTE")
    block = issue_block(series, n)
    quote_date = "d.created + d.step * 2"
    currency = Alias(Currency, "cur")
    added = insert_select(
        SalesQuote,
        {
            "number": block.sql("d.qo"),
            "number_series_id": "%(series)s",
            "contact_id": "d.contact_id",
            "opportunity_id": "d.id",
            "salesperson_id": "d.salesperson_id",
            "quote_date": quote_date,
            "valid_until": f"{quote_date} + 30",
            "description": "left(d.description, 100)",
            "amount": "d.value",
            "currency_id": f"(SELECT {currency.id} FROM {table(Currency)} {currency} "  # noqa: S608 (crm.sql names)
            f"WHERE {currency.code} = 'EUR')",
            "status": "CASE d.outcome WHEN 'won' THEN 'accepted' WHEN 'lost' THEN 'declined' "
            "ELSE 'open' END",
        },
        "FROM demo_quote d",
        {"series": series.pk},
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE demo_quote")
    return added


def _tasks(setup) -> int:
    """One follow-up task per open opportunity, dated -10…+20 days around today."""
    c, e = Alias(Contact, "c"), Alias(OpportunityEntry, "e")
    lang = Alias(Language, "l")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_task ON COMMIT DROP AS "  # noqa: S608 (crm.sql names)
            f"SELECT d.*, {e.id} AS entry_id, {c.name} AS contact_name, "
            f"{c.language} = (SELECT {lang.id} FROM {table(Language)} {lang} "
            f"WHERE {lang.code} = 'FRA') AS is_fr, "
            "row_number() OVER (ORDER BY d.id) - 1 AS t_o "
            f"FROM demo_opp d JOIN {table(Contact)} c ON {c.id} = d.contact_id "
            f"LEFT JOIN {table(OpportunityEntry)} e "
            f"ON {e.opportunity} = d.id AND {e.is_active} "
            "WHERE d.outcome IN ('open', 'new')"
        )
        n = cursor.rowcount
    if not n:
        return 0
    series = setup.task_series or NumberSeries.objects.get(code="TASK")
    block = issue_block(series, n)
    date = f"current_date + ({h(520, 31, 'd.id')}::int - 10)"
    done = f"({date} < current_date AND {h(521, 100, 'd.id')} < 60)"
    n_kinds = len(TASKS_FR)
    description = (
        f"left(CASE WHEN d.is_fr THEN (%(fr)s::text[])[1 + {h(522, n_kinds, 'd.id')}] "
        f"ELSE (%(en)s::text[])[1 + {h(522, n_kinds, 'd.id')}] END || ' ' || d.contact_name, 100)"
    )
    added = insert_select(
        Task,
        {
            "number": block.sql("d.t_o"),
            "number_series_id": "%(series)s",
            "type": f"CASE WHEN {h(522, n_kinds, 'd.id')} IN (0, 3) THEN 'phone_call' ELSE '' END",
            "description": description,
            "date": date,
            "ending_date": date,
            "status": f"CASE WHEN {done} THEN 'completed' WHEN {h(523, 100, 'd.id')} < 30 "
            "THEN 'in_progress' ELSE 'not_started' END",
            "priority": f"(ARRAY['normal', 'normal', 'high', 'low'])[1 + {h(524, 4, 'd.id')}]",
            "salesperson_id": "d.salesperson_id",
            "contact_id": "d.contact_id",
            "contact_company_id": "d.company_id",
            "opportunity_id": "d.id",
            "opportunity_entry_id": "d.entry_id",
            "is_closed": done,
            "date_closed": f"CASE WHEN {done} THEN {date} END",
            "completed_by_id": f"CASE WHEN {done} THEN d.salesperson_id END",
            "last_modified_at": "now()",
        },
        "FROM demo_task d",
        {"series": series.pk, "fr": TASKS_FR, "en": TASKS_EN},
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE demo_task")
    return added


def _fixed_tasks() -> int:
    """Team tasks (member copies by the service) and meetings with attendees."""
    today = timezone.localdate()
    people = {s.code: s for s in Salesperson.objects.filter(is_blocked=False)}
    teams = {t.code: t for t in Team.objects.all()}
    attendees = list(
        Contact.objects.filter(type="person", is_privacy_blocked=False, company__isnull=False)
        .exclude(email="")
        .order_by("id")[:6]
    )
    created = 0
    for i, (description, team, owner, kind, offset, start, minutes) in enumerate(FIXED_TASKS):
        salesperson = people.get(owner)
        if salesperson is None or (team and team not in teams):
            continue
        if Task.objects.filter(description=description, team_task__isnull=True).exists():
            continue
        is_meeting = kind == TaskType.MEETING
        task = task_create(
            description=description,
            date=today + dt.timedelta(days=offset),
            type=kind,
            salesperson=None if team else salesperson,
            team=teams.get(team) if team else None,
            team_meeting_organizer=salesperson if (team and is_meeting) else None,
            start_time=start,
            duration_min=minutes,
            location="Paris – salle Opéra" if is_meeting else "",
            contact=attendees[i % len(attendees)] if (attendees and not team) else None,
        )
        created += 1
        if is_meeting:
            for contact in attendees[i % 3 : i % 3 + 2]:
                if not task.attendees.filter(contact=contact).exists():
                    attendee_add(task=task, contact=contact, send_invitation=False)
    return created
