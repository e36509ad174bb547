# ruff: noqa: S608 -- identifiers come from crm.sql (the models' _meta), fragments from module
# constants; every value is a bound parameter.
"""Profiles and classification (SPEC 9): services and selectors of the profile area.

Writes go through the ``profile_*``/``contact_profile_*`` services; the classification job
(PRF-10/11/12) is set-based: one ``INSERT … SELECT`` per question computes every eligible
contact's value with SQL aggregates and assigns answers with window functions.

Interactions and opportunity entries live in apps above contacts (STYLE §2), so contacts never
names their tables: each of those apps registers a ``ContactValueSource`` (its own SQL, built
from its models through ``crm.sql``) from its ``AppConfig.ready()``. A contact field with no
registered source evaluates to 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import BulkJob
from crm.selectors import bulk_jobs_visible
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
    model_update,
)
from crm.sql import column, columns, table
from setup.dateformula import apply_date_formula, validate_date_formula
from setup.models import ContactType

from .models import (
    ClassificationMethod,
    Contact,
    ContactBusinessRelation,
    ContactClassField,
    ContactProfileAnswer,
    ProfileAnswer,
    ProfileQuestion,
    ProfileQuestionnaire,
    QuestionnaireContactType,
    RatingPoint,
    SalesHistoryLine,
    SortingMethod,
)

CLASSIFICATION_JOB_KIND = "contact_classification_update"

MSG_AUTOMATIC = gettext_lazy(
    "Answers to the automatic question “%(question)s” are set by the classification job only."
)
MSG_MINOR = gettext_lazy("Profile questionnaires cannot be applied to the minor %(contact)s.")
MSG_SINGLE = gettext_lazy("The question “%(question)s” accepts only one answer per contact.")
MSG_TYPE = gettext_lazy("The questionnaire %(code)s does not apply to this type of contact.")
MSG_RELATION = gettext_lazy(
    "The questionnaire %(code)s applies only to contacts whose company has the business "
    "relation %(relation)s."
)
MSG_LOOP = gettext_lazy("rating questions depend on each other in a loop")
MSG_SORTING = gettext_lazy("The question “%(question)s” needs a sorting method.")
MSG_FORMULAS = gettext_lazy("An automatic question needs a starting and an ending date formula.")
MSG_END_BEFORE_START = gettext_lazy(
    "ending date formula must not give a date before the starting date formula"
)
MSG_CLEAR_FIRST = gettext_lazy(
    "Clear the class fields, classification method and date formulas before making the "
    "question manual."
)
MSG_RATING_SOURCE = gettext_lazy("Rating points must come from answers of another question.")
MSG_RATING_TARGET = gettext_lazy("Rating points belong to a question with contact field rating.")

PERCENT_METHODS = (
    ClassificationMethod.PERCENTAGE_OF_VALUE,
    ClassificationMethod.PERCENTAGE_OF_CONTACTS,
)
CUSTOMER_FIELDS = {
    "sales": "per.sales",
    "profit": "per.profit",
    "sales_frequency": "per.invoices / %(years)s",
    "avg_invoice_amount": "per.sales / NULLIF(per.invoices, 0)",
    "discount_percent": "100 * per.discount / NULLIF(per.sales + per.discount, 0)",
    "avg_overdue_days": "per.overdue_sum::numeric / NULLIF(per.paid_count, 0)",
}
VENDOR_FIELDS = {
    "purchases": CUSTOMER_FIELDS["sales"],
    "purchase_frequency": CUSTOMER_FIELDS["sales_frequency"],
    "avg_ticket_size": CUSTOMER_FIELDS["avg_invoice_amount"],
    "discount_percent": CUSTOMER_FIELDS["discount_percent"],
    "avg_overdue_days": CUSTOMER_FIELDS["avg_overdue_days"],
}


# ============================================================================================
# Selectors
# ============================================================================================


def questionnaire_list() -> QuerySet[ProfileQuestionnaire]:
    return ProfileQuestionnaire.objects.select_related("business_relation").annotate(
        question_count=Count("questions", distinct=True)
    )


def questionnaire_get(*, pk: int) -> ProfileQuestionnaire:
    return get_object_or_404(questionnaire_list(), pk=pk)


def questionnaire_questions(*, questionnaire: ProfileQuestionnaire) -> list[ProfileQuestion]:
    """Questions with their answers and each answer's contact count (two queries)."""
    answers = ProfileAnswer.objects.annotate(contact_count=Count("contact_answers")).order_by(
        "position", "id"
    )
    return list(
        questionnaire.questions.order_by("position", "id").prefetch_related(
            Prefetch("answers", queryset=answers)
        )
    )


def question_get(*, pk: int) -> ProfileQuestion:
    return get_object_or_404(
        ProfileQuestion.objects.select_related("questionnaire").prefetch_related(
            Prefetch("answers", queryset=ProfileAnswer.objects.order_by("position", "id")),
            Prefetch(
                "rating_points",
                queryset=RatingPoint.objects.select_related("answer__question").order_by(
                    "answer__question__position", "answer__position"
                ),
            ),
        ),
        pk=pk,
    )


def answer_get(*, pk: int) -> ProfileAnswer:
    return get_object_or_404(ProfileAnswer.objects.select_related("question"), pk=pk)


def questionnaire_applies_to(*, questionnaire: ProfileQuestionnaire, contact: Contact) -> bool:
    """PRF-5 (without the minor rule, which refuses rather than hides)."""
    return _eligibility_error(questionnaire=questionnaire, contact=contact) is None


def contact_questionnaires(*, contact: Contact) -> list[ProfileQuestionnaire]:
    """Questionnaires that apply to the contact (PRF-5), in code order (two queries)."""
    company_id = contact.company_id or contact.pk
    relation_ids = set(
        ContactBusinessRelation.objects.filter(contact_id=company_id).values_list(
            "business_relation_id", flat=True
        )
    )
    wanted_type = QuestionnaireContactType.PEOPLE
    if contact.is_company:
        wanted_type = QuestionnaireContactType.COMPANIES
    return [
        questionnaire
        for questionnaire in ProfileQuestionnaire.objects.order_by("code", "id")
        if questionnaire.contact_type in ("", wanted_type)
        and (
            questionnaire.business_relation_id is None
            or questionnaire.business_relation_id in relation_ids
        )
    ]


def contact_profile(*, contact: Contact, questionnaire: ProfileQuestionnaire) -> list[dict]:
    """Questions of a questionnaire with the answers the contact holds (three queries)."""
    held = {
        row.answer_id: row
        for row in ContactProfileAnswer.objects.filter(
            contact=contact, question__questionnaire=questionnaire
        )
    }
    rows = []
    for question in questionnaire.questions.order_by("position", "id").prefetch_related(
        Prefetch("answers", queryset=ProfileAnswer.objects.order_by("position", "id"))
    ):
        rows.append(
            {
                "question": question,
                "answers": [
                    {"answer": answer, "held": held.get(answer.pk)}
                    for answer in question.answers.all()
                ],
            }
        )
    return rows


def contact_profile_answer_list(*, contact: Contact) -> QuerySet[ContactProfileAnswer]:
    return ContactProfileAnswer.objects.filter(contact=contact).select_related(
        "answer", "question__questionnaire"
    )


def questionnaire_test(*, questionnaire: ProfileQuestionnaire) -> list[dict]:
    """SPEC 9.4 *Questionnaire test*: setup problems, one row per question and problem."""
    problems = []
    for question in questionnaire_questions(questionnaire=questionnaire):
        answers = list(question.answers.all())

        def add(message, question=question):
            problems.append({"question": question, "problem": message})

        if not answers:
            add(_("The question has no answers."))
        if question.is_automatic and not question.is_rating:
            if not question.class_field:
                add(_("The automatic question has no class field."))
            if not question.classification_method:
                add(_("The automatic question has no classification method."))
            if not (question.starting_date_formula and question.ending_date_formula):
                add(_("The automatic question has no date formulas."))
        if question.is_rating and not question.rating_points.exists():
            add(_("The rating question has no answer points."))
        if question.classification_method in PERCENT_METHODS and not question.sorting:
            add(_("The percentage method has no sorting method."))
        if question.classification_method == ClassificationMethod.DEFINED_VALUE:
            ranges = sorted(
                (
                    a.from_value if a.from_value else Decimal("-Infinity"),
                    a.to_value if a.to_value else Decimal("Infinity"),
                    a,
                )
                for a in answers
                if a.from_value or a.to_value
            )
            for (_lo, hi, first), (lo2, _hi2, second) in itertools.pairwise(ranges):
                if lo2 <= hi:
                    add(
                        _("The ranges of “%(first)s” and “%(second)s” overlap.")
                        % {"first": first.text, "second": second.text}
                    )
    return problems


def profile_answer_contact_count(*, answer: ProfileAnswer) -> int:
    """SPEC 10.7: number of contacts holding a profile answer."""
    return ContactProfileAnswer.objects.filter(answer=answer).count()


# ============================================================================================
# Setup services
# ============================================================================================


@transaction.atomic
def profile_questionnaire_create(*, data: dict) -> ProfileQuestionnaire:
    questionnaire = ProfileQuestionnaire(**data)
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire


@transaction.atomic
def profile_questionnaire_update(
    *, questionnaire: ProfileQuestionnaire, data: dict
) -> ProfileQuestionnaire:
    fields = ["code", "description", "contact_type", "business_relation", "priority"]
    questionnaire, _changed = model_update(instance=questionnaire, fields=fields, data=data)
    return questionnaire


@transaction.atomic
def profile_questionnaire_delete(*, questionnaire: ProfileQuestionnaire) -> None:
    questionnaire.delete()


QUESTION_FIELDS = [
    "position",
    "text",
    "allows_multiple_answers",
    "is_automatic",
    "customer_field",
    "vendor_field",
    "contact_field",
    "starting_date_formula",
    "ending_date_formula",
    "classification_method",
    "sorting",
    "decimals",
    "min_answered_percent",
]


def _question_rules(question: ProfileQuestion, *, was_automatic: bool) -> None:
    """PRF-2 defaults and PRF-2/3 refusals, applied before ``full_clean``."""
    if (
        was_automatic
        and not question.is_automatic
        and (
            question.class_field
            or question.classification_method
            or question.starting_date_formula
            or question.ending_date_formula
        )
    ):
        raise ValidationError(MSG_CLEAR_FIRST)
    if question.class_field and not question.classification_method:
        question.classification_method = ClassificationMethod.DEFINED_VALUE
    if question.classification_method in PERCENT_METHODS and not question.sorting:
        question.sorting = SortingMethod.DESCENDING
    if question.is_automatic and question.class_field and not question.is_rating:
        if not (question.starting_date_formula and question.ending_date_formula):
            raise ValidationError({"ending_date_formula": MSG_FORMULAS})
        for field in ("starting_date_formula", "ending_date_formula"):
            try:
                validate_date_formula(getattr(question, field))
            except ValidationError as exc:
                raise ValidationError({field: exc.messages}) from exc
        today = timezone.localdate()
        if apply_date_formula(question.ending_date_formula, today) < apply_date_formula(
            question.starting_date_formula, today
        ):
            raise ValidationError({"ending_date_formula": MSG_END_BEFORE_START})


@transaction.atomic
def profile_question_create(*, questionnaire: ProfileQuestionnaire, data: dict) -> ProfileQuestion:
    if not data.get("position"):
        last = questionnaire.questions.order_by("-position").values_list("position", flat=True)
        data = {**data, "position": (last.first() or 0) + 10}
    question = ProfileQuestion(questionnaire=questionnaire, **data)
    _question_rules(question, was_automatic=False)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def profile_question_update(*, question: ProfileQuestion, data: dict) -> ProfileQuestion:
    was_automatic = question.is_automatic
    for field in QUESTION_FIELDS:
        if field in data:
            setattr(question, field, data[field])
    _question_rules(question, was_automatic=was_automatic)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def profile_question_delete(*, question: ProfileQuestion) -> None:
    question.delete()


@transaction.atomic
def profile_answer_create(*, question: ProfileQuestion, data: dict) -> ProfileAnswer:
    if not data.get("position"):
        last = question.answers.order_by("-position").values_list("position", flat=True)
        data = {**data, "position": (last.first() or 0) + 10}
    answer = ProfileAnswer(question=question, **data)
    answer.full_clean()
    answer.save()
    return answer


@transaction.atomic
def profile_answer_update(*, answer: ProfileAnswer, data: dict) -> ProfileAnswer:
    fields = ["position", "text", "from_value", "to_value", "priority"]
    answer, _changed = model_update(instance=answer, fields=fields, data=data)
    ContactProfileAnswer.objects.filter(answer=answer).update(answer_priority=answer.priority)
    return answer


@transaction.atomic
def profile_answer_delete(*, answer: ProfileAnswer) -> None:
    answer.delete()


@transaction.atomic
def rating_point_set(*, rating_question: ProfileQuestion, answer: ProfileAnswer, points: int):
    """Give ``points`` to ``answer`` in a rating question (0 removes the row)."""
    if not rating_question.is_rating:
        raise ValidationError(MSG_RATING_TARGET)
    if answer.question_id == rating_question.pk:
        raise ValidationError(MSG_RATING_SOURCE)
    if not points:
        RatingPoint.objects.filter(rating_question=rating_question, answer=answer).delete()
        return None
    row, _created = RatingPoint.objects.update_or_create(
        rating_question=rating_question, answer=answer, defaults={"points": points}
    )
    return row


# ============================================================================================
# Manual answers (PRF-4, PRF-5, PRF-13, CON-53)
# ============================================================================================


def _eligibility_error(*, questionnaire: ProfileQuestionnaire, contact: Contact):
    is_company = contact.type == ContactType.COMPANY
    if (questionnaire.contact_type == QuestionnaireContactType.COMPANIES and not is_company) or (
        questionnaire.contact_type == QuestionnaireContactType.PEOPLE and is_company
    ):
        return MSG_TYPE % {"code": questionnaire.code}
    if questionnaire.business_relation_id is not None:
        company_id = contact.company_id or contact.pk
        if not ContactBusinessRelation.objects.filter(
            contact_id=company_id, business_relation_id=questionnaire.business_relation_id
        ).exists():
            return MSG_RELATION % {
                "code": questionnaire.code,
                "relation": questionnaire.business_relation.code,
            }
    return None


@transaction.atomic
def contact_profile_answer_add(*, contact: Contact, answer: ProfileAnswer) -> ContactProfileAnswer:
    """PRF-4: a manual answer; recomputes the contact's ratings that use it (PRF-12)."""
    question = answer.question
    questionnaire = question.questionnaire
    if question.is_automatic:
        raise ValidationError(MSG_AUTOMATIC % {"question": question.text})
    if contact.is_minor:
        raise ValidationError(MSG_MINOR % {"contact": f"{contact.number} {contact.name}"})
    error = _eligibility_error(questionnaire=questionnaire, contact=contact)
    if error:
        raise ValidationError(error)
    # Lock the contact row so two concurrent single answers cannot both pass the check.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    existing = ContactProfileAnswer.objects.filter(contact=contact, question=question)
    if existing.filter(answer=answer).exists():
        return existing.get(answer=answer)
    if not question.allows_multiple_answers and existing.exists():
        raise ValidationError(MSG_SINGLE % {"question": question.text})
    row = ContactProfileAnswer(
        contact=contact,
        contact_company_id=contact.company_id,
        answer=answer,
        question=question,
        questionnaire_priority=questionnaire.priority,
        answer_priority=answer.priority,
        last_updated_on=timezone.localdate(),
    )
    row.full_clean()
    row.save()
    _ratings_refresh_for_contact(contact=contact, answer_ids=[answer.pk])
    return row


@transaction.atomic
def contact_profile_answer_remove(*, contact: Contact, answer: ProfileAnswer) -> None:
    if answer.question.is_automatic:
        raise ValidationError(MSG_AUTOMATIC % {"question": answer.question.text})
    deleted, _rows = ContactProfileAnswer.objects.filter(contact=contact, answer=answer).delete()
    if deleted:
        _ratings_refresh_for_contact(contact=contact, answer_ids=[answer.pk])


@transaction.atomic
def contact_profile_answers_set(
    *, contact: Contact, questionnaire: ProfileQuestionnaire, answer_ids: list[int]
) -> None:
    """Make the contact's manual answers in ``questionnaire`` exactly ``answer_ids``."""
    wanted = set(answer_ids)
    manual = ProfileAnswer.objects.filter(
        question__questionnaire=questionnaire, question__is_automatic=False
    ).select_related("question__questionnaire")
    held = set(
        ContactProfileAnswer.objects.filter(contact=contact, answer__in=manual).values_list(
            "answer_id", flat=True
        )
    )
    answers = {a.pk: a for a in manual}
    for answer_id in held - wanted:
        contact_profile_answer_remove(contact=contact, answer=answers[answer_id])
    for answer_id in sorted(wanted - held):
        answer = answers.get(answer_id)
        if answer is None:  # automatic or foreign answer: PRF-13
            answer = ProfileAnswer.objects.select_related("question").get(pk=answer_id)
            raise ValidationError(MSG_AUTOMATIC % {"question": answer.question.text})
        contact_profile_answer_add(contact=contact, answer=answer)


# ============================================================================================
# Classification (PRF-10/11/12, job of SPEC 9.5)
# ============================================================================================


def _in_range_sql(score: str) -> str:
    """PRF-11 ``in_range``; an answer with both bounds 0 never matches."""
    low = column(ProfileAnswer, "from_value", alias="a")
    high = column(ProfileAnswer, "to_value", alias="a")
    return (
        f"(({low} <> 0 AND {high} <> 0 AND {score} BETWEEN {low} AND {high})"
        f" OR ({low} <> 0 AND {high} = 0 AND {score} >= {low})"
        f" OR ({low} = 0 AND {high} <> 0 AND {score} <= {high}))"
    )


def _score_sql(question: ProfileQuestion) -> str:
    """PRF-11: the score each contact of ``vals(contact_id, value)`` is ranged against."""
    method = question.classification_method
    direction = "ASC" if question.sorting == SortingMethod.ASCENDING else "DESC"
    if method == ClassificationMethod.PERCENTAGE_OF_VALUE:
        if not question.sorting:
            raise ValidationError(MSG_SORTING % {"question": question.text})
        return "COALESCE(ROUND(100 * value / NULLIF(SUM(value) OVER (), 0), %(decimals)s), 0)"
    if method == ClassificationMethod.PERCENTAGE_OF_CONTACTS:
        if not question.sorting:
            raise ValidationError(MSG_SORTING % {"question": question.text})
        return (
            f"ROUND(100.0 * ROW_NUMBER() OVER (ORDER BY value {direction}, contact_id)"
            " / COUNT(*) OVER (), %(decimals)s)"
        )
    return "ROUND(value, %(decimals)s)"


def _eligible_sql(questionnaire: ProfileQuestionnaire) -> tuple[str, dict]:
    """PRF-5 and CON-53 as a CTE body: ``(id, type, company_id)`` of eligible contacts."""
    c = {name: column(Contact, name, alias="c") for name in ("id", "type", "company", "is_minor")}
    where = [f"NOT {c['is_minor']}"]
    params: dict = {"company_type": ContactType.COMPANY, "person_type": ContactType.PERSON}
    if questionnaire.contact_type == QuestionnaireContactType.COMPANIES:
        where.append(f"{c['type']} = %(company_type)s")
    elif questionnaire.contact_type == QuestionnaireContactType.PEOPLE:
        where.append(f"{c['type']} = %(person_type)s")
    if questionnaire.business_relation_id:
        where.append(
            f"EXISTS (SELECT 1 FROM {table(ContactBusinessRelation)} r "
            f"WHERE {column(ContactBusinessRelation, 'contact', alias='r')}"
            f" = COALESCE({c['company']}, {c['id']}) "
            f"AND {column(ContactBusinessRelation, 'business_relation', alias='r')} = %(relation)s)"
        )
        params["relation"] = questionnaire.business_relation_id
    sql = (
        f"SELECT {c['id']} AS id, {c['type']} AS type, {c['company']} AS company_id"
        f" FROM {table(Contact)} c WHERE {' AND '.join(where)}"
    )
    return sql, params


def _party_values_sql(question: ProfileQuestion, *, kind: str, expr: str) -> tuple[str, dict]:
    """Customer/vendor fields (PRF-10) per linked company, as ``vals(contact_id, value)``."""
    questionnaire = question.questionnaire
    relation = ""
    params: dict = {
        "link": "customer" if kind == "sale" else "vendor",
        "kind": kind,
        "company_type": ContactType.COMPANY,
    }
    c = {n: column(Contact, n, alias="c") for n in ("id", "type", "is_minor")}
    r = {
        n: column(ContactBusinessRelation, n, alias="r2") for n in ("contact", "business_relation")
    }
    if questionnaire.business_relation_id:
        relation = (
            f" AND EXISTS (SELECT 1 FROM {table(ContactBusinessRelation)} r2"
            f" WHERE {r['contact']} = {c['id']} AND {r['business_relation']} = %(relation)s)"
        )
        params["relation"] = questionnaire.business_relation_id
    br = {
        n: column(ContactBusinessRelation, n, alias="br")
        for n in ("contact", "link_type", "external_number")
    }
    line = {
        n: column(SalesHistoryLine, n, alias="l")
        for n in (
            "document_number",
            "amount",
            "cost_amount",
            "discount_amount",
            "due_date",
            "paid_on",
            "link_type",
            "external_number",
            "entry_kind",
            "posting_date",
        )
    }
    sql = f"""
        comp AS (
            SELECT {c["id"]} AS contact_id, {br["external_number"]} AS ext
            FROM {table(Contact)} c
            JOIN {table(ContactBusinessRelation)} br
              ON {br["contact"]} = {c["id"]} AND {br["link_type"]} = %(link)s
            WHERE {c["type"]} = %(company_type)s AND NOT {c["is_minor"]}{relation}
        ),
        docs AS (
            SELECT comp.contact_id, {line["document_number"]} AS document_number,
                   SUM({line["amount"]}) AS amount,
                   SUM({line["amount"]} - {line["cost_amount"]}) AS profit,
                   SUM({line["discount_amount"]}) AS discount,
                   MAX({line["due_date"]}) AS due, MAX({line["paid_on"]}) AS paid
            FROM comp
            JOIN {table(SalesHistoryLine)} l
              ON {line["link_type"]} = %(link)s AND {line["external_number"]} = comp.ext
             AND {line["entry_kind"]} = %(kind)s
             AND {line["posting_date"]} BETWEEN %(start)s AND %(end)s
            GROUP BY comp.contact_id, {line["document_number"]}
        ),
        per AS (
            SELECT contact_id, SUM(amount) AS sales, SUM(profit) AS profit,
                   SUM(discount) AS discount, COUNT(*) AS invoices,
                   SUM(GREATEST(0, paid - due)) FILTER (
                       WHERE paid IS NOT NULL AND due IS NOT NULL) AS overdue_sum,
                   COUNT(*) FILTER (WHERE paid IS NOT NULL AND due IS NOT NULL) AS paid_count
            FROM docs GROUP BY contact_id
        ),
        vals AS (
            SELECT comp.contact_id, COALESCE({expr}, 0)::numeric AS value
            FROM comp LEFT JOIN per ON per.contact_id = comp.contact_id
        )"""
    return sql, params


@dataclass(frozen=True)
class ContactValueSource:
    """PRF-10 contact fields computed from another area's rows (interactions, opportunities).

    Contacts cannot import the higher apps (STYLE §2), so the app that owns the rows
    registers a source from its ``AppConfig.ready()`` and builds its SQL from its own models
    (``crm.sql``). ``aggregates(scope)`` returns ``SELECT <key> AS key, <aggregates> …
    GROUP BY <key>`` where the key is the row's company contact (``scope == "company"``) or
    its contact (``"person"``), filtered on ``%(start)s``/``%(end)s``; ``expressions`` maps each
    ``ContactClassField`` it serves to an expression over those aggregates, ``{a}`` standing
    for the aggregate row (``%(years)s`` is the period length in years).
    """

    aggregates: Callable[[str], str]
    expressions: dict[str, str]


_VALUE_SOURCES: dict[str, ContactValueSource] = {}


def register_contact_value_source(source: ContactValueSource) -> None:
    for field in source.expressions:
        _VALUE_SOURCES[field] = source


def contact_value_source(field: str) -> ContactValueSource | None:
    """The registered source of a contact class field (None: its area is not installed)."""
    return _VALUE_SOURCES.get(field)


def _contact_values_sql(question: ProfileQuestion) -> tuple[str, dict]:
    """Contact fields (PRF-10) per eligible contact in contact scope (SPEC 10.1)."""
    eligible, params = _eligible_sql(question.questionnaire)
    source = contact_value_source(question.contact_field)
    if source is None:
        zero = "SELECT id AS contact_id, 0::numeric AS value FROM elig"
        return f"elig AS ({eligible}), vals AS ({zero})", params
    expr = source.expressions[question.contact_field]
    sql = f"""
        elig AS ({eligible}),
        by_company AS ({source.aggregates("company")}),
        by_person AS ({source.aggregates("person")}),
        vals AS (
            SELECT e.id AS contact_id,
                   COALESCE(CASE WHEN e.type = %(company_type)s THEN {expr.format(a="bc")}
                                 ELSE {expr.format(a="bp")} END, 0)::numeric AS value
            FROM elig e
            LEFT JOIN by_company bc ON e.type = %(company_type)s AND bc.key = e.id
            LEFT JOIN by_person bp ON e.type <> %(company_type)s AND bp.key = e.id
        )"""
    return sql, params


def _insert_sql(*, last_updated: str, answered: str, in_range: str, contact_join: str) -> str:
    """``INSERT … SELECT`` of the answers whose range holds each ``scored`` contact's score."""
    cpa = columns(
        ContactProfileAnswer,
        "created_at",
        "updated_at",
        "contact",
        "contact_company",
        "answer",
        "question",
        "questionnaire_priority",
        "answer_priority",
        "last_updated_on",
        "answered_percent",
    )
    a = {n: column(ProfileAnswer, n, alias="a") for n in ("id", "question", "priority")}
    c = {n: column(Contact, n, alias="c") for n in ("id", "company")}
    unique = columns(ContactProfileAnswer, "contact", "answer")
    return f"""
    INSERT INTO {table(ContactProfileAnswer)} ({cpa})
    SELECT now(), now(), {c["id"]}, {c["company"]}, {a["id"]}, {a["question"]},
           %(qpriority)s, {a["priority"]}, {last_updated}, {answered}
    FROM scored s
    JOIN {table(ProfileAnswer)} a ON {a["question"]} = %(question)s AND {in_range}
    JOIN {table(Contact)} c ON {contact_join}
    ON CONFLICT ({unique}) DO NOTHING
"""


def _period(question: ProfileQuestion, run_date: dt.date) -> tuple[dt.date, dt.date, Decimal]:
    start = apply_date_formula(question.starting_date_formula, run_date)
    end = apply_date_formula(question.ending_date_formula, run_date)
    years = Decimal((end - start).days + 1) / Decimal(365)
    return start, end, years


def _question_classify(*, question: ProfileQuestion, run_date: dt.date) -> int:
    """PRF-10/11 for one automatic non-rating question: delete, then one INSERT … SELECT."""
    questionnaire = question.questionnaire
    start, end, years = _period(question, run_date)
    params: dict = {
        "start": start,
        "end": end,
        "years": years,
        "decimals": question.decimals,
        "question": question.pk,
        "qpriority": questionnaire.priority,
        "today": timezone.localdate(),
    }
    if question.customer_field or question.vendor_field:
        kind = "sale" if question.customer_field else "purchase"
        fields = CUSTOMER_FIELDS if question.customer_field else VENDOR_FIELDS
        expr = fields[question.customer_field or question.vendor_field]
        ctes, extra = _party_values_sql(question, kind=kind, expr=expr)
        # PRF-11: the company, and its persons unless the questionnaire is for companies.
        c = {n: column(Contact, n, alias="c") for n in ("id", "company", "type", "is_minor")}
        targets = []
        if questionnaire.contact_type != QuestionnaireContactType.PEOPLE:
            targets.append(f"{c['id']} = s.contact_id")
        if questionnaire.contact_type != QuestionnaireContactType.COMPANIES:
            targets.append(
                f"({c['company']} = s.contact_id AND {c['type']} = %(person_type)s"
                f" AND NOT {c['is_minor']})"
            )
        contact_join = "(" + " OR ".join(targets) + ")"
        extra_person = {"person_type": ContactType.PERSON}
    else:
        ctes, extra = _contact_values_sql(question)
        contact_join = f"{column(Contact, 'id', alias='c')} = s.contact_id"
        extra_person = {}
    params.update(extra, **extra_person)
    score = _score_sql(question)
    sql = f"WITH {ctes}, scored AS (SELECT contact_id, {score} AS score FROM vals) " + (
        _insert_sql(
            last_updated="%(today)s",
            answered="0",
            in_range=_in_range_sql("s.score"),
            contact_join=contact_join,
        )
    )
    ContactProfileAnswer.objects.filter(question=question).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _rating_order(questions: list[ProfileQuestion]) -> list[ProfileQuestion]:
    """PRF-12 leaf-first order; a loop raises ``ValidationError(MSG_LOOP)``."""
    ids = {q.pk for q in questions}
    depends: dict[int, set[int]] = {q.pk: set() for q in questions}
    all_ratings = set(
        ProfileQuestion.objects.filter(contact_field=ContactClassField.RATING).values_list(
            "pk", flat=True
        )
    )
    for rating_id, source_id in RatingPoint.objects.filter(rating_question_id__in=ids).values_list(
        "rating_question_id", "answer__question_id"
    ):
        if source_id in all_ratings:
            depends[rating_id].add(source_id)
    done: set[int] = set()
    ordered = []
    remaining = list(questions)
    while remaining:
        ready = [q for q in remaining if not (depends[q.pk] & ids) - done]
        if not ready:
            raise ValidationError(MSG_LOOP)
        for question in ready:
            ordered.append(question)
            done.add(question.pk)
        remaining = [q for q in remaining if q.pk not in done]
    return ordered


def _rating_sql(*, eligible: str, contact_filter: str, score: str) -> str:
    """PRF-12: the points of each eligible contact's answers feeding one rating question."""
    rp = {n: column(RatingPoint, n, alias="rp") for n in ("answer", "points", "rating_question")}
    a = {n: column(ProfileAnswer, n, alias="a") for n in ("id", "question")}
    cpa = {
        n: column(ContactProfileAnswer, n, alias="cpa")
        for n in ("contact", "answer", "last_updated_on")
    }
    contact_filter = contact_filter.format(contact=cpa["contact"])
    return f"""
    WITH elig AS ({eligible}),
    src AS (
        SELECT {rp["answer"]} AS answer_id, {rp["points"]} AS points,
               {a["question"]} AS source_question
        FROM {table(RatingPoint)} rp JOIN {table(ProfileAnswer)} a ON {a["id"]} = {rp["answer"]}
        WHERE {rp["rating_question"]} = %(question)s
    ),
    per AS (
        SELECT {cpa["contact"]} AS contact_id, SUM(src.points) AS points,
               100.0 * COUNT(DISTINCT src.source_question)
                   / (SELECT COUNT(DISTINCT source_question) FROM src) AS answered,
               MIN({cpa["last_updated_on"]}) AS last_updated
        FROM {table(ContactProfileAnswer)} cpa
        JOIN src ON src.answer_id = {cpa["answer"]}
        JOIN elig e ON e.id = {cpa["contact"]}
        WHERE {contact_filter}
        GROUP BY {cpa["contact"]}
    ),
    vals AS (
        SELECT contact_id, points::numeric AS value, answered, last_updated
        FROM per WHERE answered >= %(min_answered)s
    ),
    scored AS (SELECT contact_id, {score} AS score, answered, last_updated FROM vals)
"""


def _rating_classify(*, question: ProfileQuestion, contact_ids: list[int] | None = None) -> int:
    """PRF-12 for one rating question (all contacts, or only ``contact_ids``)."""
    eligible, params = _eligible_sql(question.questionnaire)
    params.update(
        question=question.pk,
        qpriority=question.questionnaire.priority,
        decimals=question.decimals,
        min_answered=question.min_answered_percent,
        contact_ids=contact_ids or [],
    )
    contact_filter = "{contact} = ANY(%(contact_ids)s)" if contact_ids is not None else "TRUE"
    sql = _rating_sql(
        eligible=eligible, contact_filter=contact_filter, score=_score_sql(question)
    ) + _insert_sql(
        last_updated="s.last_updated",
        answered="s.answered",
        in_range=_in_range_sql("s.score"),
        contact_join=f"{column(Contact, 'id', alias='c')} = s.contact_id",
    )
    existing = ContactProfileAnswer.objects.filter(question=question)
    if contact_ids is not None:
        existing = existing.filter(contact_id__in=contact_ids)
    existing.delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _ratings_refresh_for_contact(*, contact: Contact, answer_ids: list[int]) -> None:
    """PRF-4/12: recompute the contact's ratings fed by ``answer_ids``, and ratings fed by
    those, leaf-first."""
    affected: set[int] = set()
    frontier = set(answer_ids)
    while frontier:
        ratings = (
            set(
                RatingPoint.objects.filter(answer_id__in=frontier).values_list(
                    "rating_question_id", flat=True
                )
            )
            - affected
        )
        affected |= ratings
        frontier = set(
            ProfileAnswer.objects.filter(question_id__in=ratings).values_list("pk", flat=True)
        )
    if not affected:
        return
    questions = list(
        ProfileQuestion.objects.filter(pk__in=affected).select_related("questionnaire")
    )
    for question in _rating_order(questions):
        _rating_classify(question=question, contact_ids=[contact.pk])


def classification_questions(
    *, questionnaire_id: int | None = None
) -> tuple[list[ProfileQuestion], list[ProfileQuestion]]:
    """The automatic questions of a run: (non-rating in order, ratings leaf-first)."""
    queryset = ProfileQuestion.objects.filter(is_automatic=True).select_related("questionnaire")
    if questionnaire_id:
        queryset = queryset.filter(questionnaire_id=questionnaire_id)
    queryset = queryset.order_by("questionnaire__code", "position", "id")
    plain = [q for q in queryset if not q.is_rating and q.class_field]
    ratings = _rating_order([q for q in queryset if q.is_rating])
    return plain, ratings


@transaction.atomic
def contact_classification_update_start(
    *, user, run_date: dt.date | None = None, questionnaire: ProfileQuestionnaire | None = None
) -> BulkJob:
    """PRF-10: create the job row and enqueue the task after commit."""
    from .tasks_profiles import contact_classification_update_task

    job = bulk_job_create(
        kind=CLASSIFICATION_JOB_KIND,
        user=user,
        target=questionnaire,
        params={
            "run_date": (run_date or timezone.localdate()).isoformat(),
            "questionnaire_id": questionnaire.pk if questionnaire else None,
        },
    )
    contact_classification_update_task.delay_on_commit(job.pk)
    return job


def contact_classification_update(*, job_id: int) -> dict:
    """The job (SPEC 9.5): per question one transaction; progress per question. Re-running
    recomputes the same answers (each question deletes its answers first)."""
    job = BulkJob.objects.get(pk=job_id)
    run_date = dt.date.fromisoformat(job.params["run_date"])
    try:
        plain, ratings = classification_questions(
            questionnaire_id=job.params.get("questionnaire_id")
        )
    except ValidationError as exc:
        bulk_job_finish(job_id=job_id, error=" ".join(exc.messages))
        return {"error": " ".join(exc.messages)}
    bulk_job_start(job_id=job_id, total=len(plain) + len(ratings))
    result: dict = {"questions": {}}
    done = 0
    try:
        for question in plain:
            with transaction.atomic():
                result["questions"][str(question.pk)] = _question_classify(
                    question=question, run_date=run_date
                )
            done += 1
            bulk_job_progress(job_id=job_id, done=done)
        for question in ratings:
            with transaction.atomic():
                result["questions"][str(question.pk)] = _rating_classify(question=question)
            done += 1
            bulk_job_progress(job_id=job_id, done=done)
    except ValidationError as exc:
        bulk_job_finish(job_id=job_id, result=result, error=" ".join(exc.messages))
        return result
    bulk_job_finish(job_id=job_id, result=result)
    return result


def classification_job_get(*, pk: int, user=None) -> BulkJob:
    """Only its owner and administrators open a job (``crm.selectors.bulk_jobs_visible``)."""
    return get_object_or_404(bulk_jobs_visible(user=user), pk=pk, kind=CLASSIFICATION_JOB_KIND)
