"""Demo profiles (SPEC 9.1, 9.3): a bilingual questionnaire with a manual and an ABC question.

Called at the end of ``contacts.demo.seed`` (only when contacts were added). Builds, once,
through the profile services: the questionnaire "Customer profile / Profil client" for
companies, a manual question on the company size with four answers and an automatic ABC
question on the sales of the last twelve months (SPEC 9.3: A from 50,000, B 10,000 to
49,999.99, C below).

Set-based and proportional to the contacts: sales history lines for the customer-linked
companies that have none yet (only while the history holds no real, imported lines, so the
demo never mixes with a business system's data), manual size answers for about a quarter of
the companies without one, then the classification job body run synchronously for this
questionnaire (it deletes and recomputes the ABC answers, so re-running it adds nothing).
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.services import bulk_job_create
from crm.sql import column, table
from setup.models import ContactType, LinkType

from . import demo as base
from .models import (
    ClassificationMethod,
    Contact,
    ContactBusinessRelation,
    ContactProfileAnswer,
    CustomerClassField,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionnaire,
    QuestionnaireContactType,
    SalesEntryKind,
    SalesHistoryLine,
    SalesHistoryLinkType,
)
from .profiles import (
    CLASSIFICATION_JOB_KIND,
    contact_classification_update,
    profile_answer_create,
    profile_question_create,
    profile_questionnaire_create,
)

CODE = "CUST-PROFILE"
DEMO_SOURCE = "demo-"  # source_id prefix of the demo sales history lines
SIZES = [
    ("1–9 employees / 1 à 9 salariés", 45),
    ("10–49 employees / 10 à 49 salariés", 30),
    ("50–249 employees / 50 à 249 salariés", 17),
    ("250+ employees / 250 salariés et plus", 8),
]
ABC = [
    ("A – top customers / meilleurs clients", Decimal(50000), Decimal(0)),
    ("B – regular customers / clients réguliers", Decimal(10000), Decimal("49999.99")),
    ("C – small customers / petits clients", Decimal(0), Decimal("9999.99")),
]
MANUAL_PERCENT = 25
ITEMS = [
    ("1000", "CHAIRS"),
    ("1100", "CHAIRS"),
    ("2000", "LIGHTING"),
    ("3000", "DESKS"),
    ("4000", "STORAGE"),
    ("5000", "SERVICES"),
]


def seed(*, contacts: int, stdout) -> str:
    questionnaire, size, abc = _questionnaire()
    lines = _sales_history()
    manual = _manual_answers(questionnaire, size)
    classified = None
    if lines or not ContactProfileAnswer.objects.filter(question=abc).exists():
        user = get_user_model().objects.filter(username="admin").first()
        job = bulk_job_create(
            kind=CLASSIFICATION_JOB_KIND,
            user=user,
            target=questionnaire,
            params={
                "run_date": timezone.localdate().isoformat(),
                "questionnaire_id": questionnaire.pk,
            },
        )
        result = contact_classification_update(job_id=job.pk)
        classified = result.get("questions", {}).get(str(abc.pk), 0)
    return f"profiles: {lines} sales history lines, {manual} manual answers" + (
        f", {classified} ABC answers" if classified is not None else ""
    )


def _questionnaire() -> tuple[ProfileQuestionnaire, ProfileQuestion, ProfileQuestion]:
    questionnaire = ProfileQuestionnaire.objects.filter(code=CODE).first()
    if questionnaire is None:
        questionnaire = profile_questionnaire_create(
            data={
                "code": CODE,
                "description": "Customer profile / Profil client",
                "contact_type": QuestionnaireContactType.COMPANIES,
            }
        )
    size = questionnaire.questions.filter(is_automatic=False).first()
    if size is None:
        size = profile_question_create(
            questionnaire=questionnaire,
            data={"position": 10, "text": "Company size / Taille de l'entreprise"},
        )
        for text, _share in SIZES:
            profile_answer_create(question=size, data={"text": text})
    abc = questionnaire.questions.filter(customer_field=CustomerClassField.SALES).first()
    if abc is None:
        abc = profile_question_create(
            questionnaire=questionnaire,
            data={
                "position": 20,
                "text": "ABC on sales, last 12 months / ABC sur le CA des 12 derniers mois",
                "is_automatic": True,
                "customer_field": CustomerClassField.SALES,
                "classification_method": ClassificationMethod.DEFINED_VALUE,
                "starting_date_formula": "-1Y+1D",
                "ending_date_formula": "0D",
            },
        )
        for text, low, high in ABC:
            profile_answer_create(
                question=abc, data={"text": text, "from_value": low, "to_value": high}
            )
    return questionnaire, size, abc


def _sales_history() -> int:
    """2–7 invoice lines over the last year per customer link without demo lines."""
    if SalesHistoryLine.objects.exclude(source_id__startswith=DEMO_SOURCE).exists():
        return 0
    h, u = base.h, base.u
    r_link = column(ContactBusinessRelation, "link_type", alias="r")
    r_ext = column(ContactBusinessRelation, "external_number", alias="r")
    l_link = column(SalesHistoryLine, "link_type", alias="l")
    l_ext = column(SalesHistoryLine, "external_number", alias="l")
    r_id = column(ContactBusinessRelation, "id", alias="r")
    customer, sale = base.quote(LinkType.CUSTOMER), base.quote(SalesEntryKind.SALE)
    history_customer = base.quote(SalesHistoryLinkType.CUSTOMER)
    key = f"({r_id} * 16 + g)"
    amount = f"round((150 + 24000 * power({u(91, key)}, 2) * (0.3 + {u(92, r_id)}))::numeric, 2)"
    posting = f"(current_date - {h(93, 360, key)}::int)"
    paid = f"{h(95, 100, key)} < 85"
    return base.insert_select(
        SalesHistoryLine,
        {
            "entry_kind": sale,
            "link_type": history_customer,
            "external_number": r_ext,
            "contact_id": "NULL",
            "item_code": f"(%(items)s::text[])[1 + {h(94, len(ITEMS), key)}]",
            "item_group": f"(%(groups)s::text[])[1 + {h(94, len(ITEMS), key)}]",
            "posting_date": posting,
            "document_number": f"'INV' || lpad({key}::text, 9, '0')",
            "quantity": f"1 + {h(96, 20, key)}",
            "amount": amount,
            "cost_amount": f"round({amount} * 0.62, 2)",
            "discount_amount": f"CASE WHEN {h(97, 100, key)} < 20 THEN round({amount} * 0.05, 2) "
            "ELSE 0 END",
            "due_date": f"{posting} + 30",
            "paid_on": f"CASE WHEN {paid} THEN {posting} + 20 + {h(98, 30, key)}::int END",
            "source_id": f"'{DEMO_SOURCE}' || {r_id} || '-' || g",
        },
        f"FROM {table(ContactBusinessRelation)} r "  # noqa: S608 (identifiers from crm.sql)
        f"CROSS JOIN LATERAL generate_series(1, 2 + {h(99, 6, r_id)}::int) AS g "
        f"WHERE {r_link} = {customer} AND {r_ext} <> '' "
        f"AND NOT EXISTS (SELECT 1 FROM {table(SalesHistoryLine)} l "
        f"WHERE {l_link} = {history_customer} AND {l_ext} = {r_ext})",
        {"items": [code for code, _group in ITEMS], "groups": [g for _code, g in ITEMS]},
    )


def _manual_answers(questionnaire: ProfileQuestionnaire, size: ProfileQuestion) -> int:
    """A size answer for about a quarter of the companies without one (skewed to small)."""
    answers = list(
        ProfileAnswer.objects.filter(question=size)
        .order_by("position")
        .values_list("pk", "priority")
    )
    if len(answers) != len(SIZES):
        return 0
    c_id, a_id = column(Contact, "id", alias="c"), column(ProfileAnswer, "id", alias="a")
    pick, bound = [], 0
    for (answer_id, _priority), (_text, share) in zip(answers, SIZES, strict=True):
        bound += share
        pick.append(f"WHEN {base.h(81, 100, c_id)} < {bound} THEN {answer_id}")
    answer = f"(CASE {' '.join(pick)} ELSE {answers[-1][0]} END)"
    c = {n: column(Contact, n, alias="c") for n in ("company", "type", "is_minor")}
    x = {n: column(ContactProfileAnswer, n, alias="x") for n in ("contact", "question")}
    return base.insert_select(
        ContactProfileAnswer,
        {
            "contact_id": "x.id",
            "contact_company_id": "x.company_id",
            "answer_id": a_id,
            "question_id": column(ProfileAnswer, "question", alias="a"),
            "questionnaire_priority": "%(qpriority)s",
            "answer_priority": column(ProfileAnswer, "priority", alias="a"),
            "last_updated_on": "current_date",
        },
        f"FROM (SELECT {c_id} AS id, {c['company']} AS company_id, {answer} AS answer_id "  # noqa: S608 (crm.sql names)
        f"FROM {table(Contact)} c "
        f"WHERE {c['type']} = {base.quote(ContactType.COMPANY)} AND NOT {c['is_minor']} "
        f"AND {base.h(80, 100, c_id)} < {MANUAL_PERCENT} "
        f"AND NOT EXISTS (SELECT 1 FROM {table(ContactProfileAnswer)} x "
        f"WHERE {x['contact']} = {c_id} AND {x['question']} = %(question)s)) AS x "
        f"JOIN {table(ProfileAnswer)} a ON {a_id} = x.answer_id",
        {"question": size.pk, "qpriority": questionnaire.priority},
    )
