"""Criteria engine (SPEC 5.2): structured filters → one WHERE over contacts.

``filters`` is a dict ``section → field → filter``; a filter is one of

* ``{"op": "in", "values": [...]}``       — any of the values (codes for code-table fields)
* ``{"op": "range", "from": a, "to": b}`` — inclusive, either end may be missing
* ``{"op": "pattern", "value": "AB*"}``   — ``*`` wildcards, case-insensitive
* ``{"op": "blank"}`` / ``{"op": "not_blank"}``

Within a section one row must satisfy all of its filters (one ``EXISTS`` per section);
sections are combined with AND. The ``business_relation`` section may nest ``sales_history``
(SEG-30). The pseudo-section ``logged_segment`` (``{"entry_no": n}``) selects the contacts of a
logged segment's interactions (SEG-27).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Lookup
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import (
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactProfileAnswer,
    SalesHistoryLine,
)
from interactions.models import InteractionLogEntry
from setup.models import LinkType

OPS = ("in", "range", "pattern", "blank", "not_blank")


class UpperLike(Lookup):
    """``UPPER(lhs) LIKE UPPER(pattern)``: served by the trigram indexes on ``UPPER(field)``."""

    lookup_name = "segment_upper_like"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}::text) LIKE UPPER({rhs})", [*lhs_params, *rhs_params]


def like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


@dataclass(frozen=True)
class FieldSpec:
    label: Any
    lookup: str  # ORM path from the section's model
    kind: str = "text"  # text | code | fk_code | bool | date | datetime | choice
    blank_lookup: str | None = None  # for blank checks of code lookups (the FK itself)


def _code(label, fk: str, code_field: str = "code") -> FieldSpec:
    return FieldSpec(label, f"{fk}__{code_field}", "fk_code", blank_lookup=fk)


CONTACT_FIELDS: dict[str, FieldSpec] = {
    "number": FieldSpec(gettext_lazy("no."), "number", "code"),
    "type": FieldSpec(gettext_lazy("type"), "type", "choice"),
    "name": FieldSpec(gettext_lazy("name"), "name"),
    "search_name": FieldSpec(gettext_lazy("search name"), "search_name"),
    "company": FieldSpec(gettext_lazy("company no."), "company__number", "fk_code", "company"),
    "salesperson": _code(gettext_lazy("salesperson"), "salesperson"),
    "territory": _code(gettext_lazy("territory"), "territory"),
    "country": _code(gettext_lazy("country/region"), "country"),
    "post_code": FieldSpec(gettext_lazy("post code"), "post_code"),
    "city": FieldSpec(gettext_lazy("city"), "city"),
    "county": FieldSpec(gettext_lazy("county"), "county"),
    "language": _code(gettext_lazy("language"), "language"),
    "currency": _code(gettext_lazy("currency"), "currency"),
    "organizational_level": _code(gettext_lazy("organizational level"), "organizational_level"),
    "correspondence_type": FieldSpec(
        gettext_lazy("correspondence type"), "correspondence_type", "choice"
    ),
    "external_id": FieldSpec(gettext_lazy("external ID"), "external_id"),
    "business_relation_summary": FieldSpec(
        gettext_lazy("business relation"), "business_relation_summary", "choice"
    ),
    "last_modified_at": FieldSpec(
        gettext_lazy("last date modified"), "last_modified_at", "datetime"
    ),
}

INTERACTION_FIELDS: dict[str, FieldSpec] = {
    "date": FieldSpec(gettext_lazy("date"), "date", "date"),
    "segment_number": FieldSpec(gettext_lazy("segment no."), "segment_number", "code"),
    "evaluation": FieldSpec(gettext_lazy("evaluation"), "evaluation", "choice"),
    "template": _code(gettext_lazy("interaction template"), "template"),
    "group": _code(gettext_lazy("interaction group"), "group"),
    "salesperson": _code(gettext_lazy("salesperson"), "salesperson"),
    "is_campaign_target": FieldSpec(gettext_lazy("campaign target"), "is_campaign_target", "bool"),
    "is_campaign_response": FieldSpec(
        gettext_lazy("campaign response"), "is_campaign_response", "bool"
    ),
}

SALES_HISTORY_FIELDS: dict[str, FieldSpec] = {
    "item_code": FieldSpec(gettext_lazy("item no."), "item_code", "code"),
    "variant_code": FieldSpec(gettext_lazy("variant code"), "variant_code", "code"),
    "item_group": FieldSpec(gettext_lazy("item group"), "item_group", "code"),
    "posting_date": FieldSpec(gettext_lazy("posting date"), "posting_date", "date"),
}


@dataclass(frozen=True)
class Section:
    label: Any
    fields: dict[str, FieldSpec]


SECTIONS: dict[str, Section] = {
    "contact": Section(gettext_lazy("Contact"), CONTACT_FIELDS),
    "profile_answer": Section(
        gettext_lazy("Profile"),
        {
            "questionnaire": FieldSpec(
                gettext_lazy("questionnaire"), "question__questionnaire__code", "code"
            ),
            "question": FieldSpec(gettext_lazy("question"), "question__text"),
            "answer": FieldSpec(gettext_lazy("answer"), "answer__text"),
        },
    ),
    "mailing_group": Section(
        gettext_lazy("Mailing group"),
        {"mailing_group": _code(gettext_lazy("mailing group"), "mailing_group")},
    ),
    "job_responsibility": Section(
        gettext_lazy("Job responsibility"),
        {"job_responsibility": _code(gettext_lazy("job responsibility"), "job_responsibility")},
    ),
    "industry_group": Section(
        gettext_lazy("Industry group"),
        {"industry_group": _code(gettext_lazy("industry group"), "industry_group")},
    ),
    "business_relation": Section(
        gettext_lazy("Business relation"),
        {"business_relation": _code(gettext_lazy("business relation"), "business_relation")},
    ),
    "interaction": Section(gettext_lazy("Interaction"), INTERACTION_FIELDS),
}


class CriteriaError(ValueError):
    pass


# -- validation ---------------------------------------------------------------------------------


def normalize_filters(filters: dict | None) -> dict:
    """Drop empty filters, validate sections/fields/ops; returns a clean copy."""
    clean: dict[str, Any] = {}
    for section, fields in (filters or {}).items():
        if section == "logged_segment":
            clean[section] = {"entry_no": int(fields["entry_no"])}
            continue
        if section not in SECTIONS:
            raise CriteriaError(_("Unknown criteria section %(section)s.") % {"section": section})
        out: dict[str, Any] = {}
        for name, spec in (fields or {}).items():
            if section == "business_relation" and name == "sales_history":
                nested = _normalize_fields(spec or {}, SALES_HISTORY_FIELDS, section)
                if nested:
                    out[name] = nested
                continue
            nested = _normalize_fields({name: spec}, SECTIONS[section].fields, section)
            out.update(nested)
        if out:
            clean[section] = out
    return clean


def _normalize_fields(fields: dict, known: dict[str, FieldSpec], section: str) -> dict:
    out = {}
    for name, spec in fields.items():
        if name not in known:
            raise CriteriaError(
                _("Unknown field %(field)s in section %(section)s.")
                % {"field": name, "section": section}
            )
        if not spec:
            continue
        op = spec.get("op")
        if op not in OPS:
            raise CriteriaError(_("Unknown filter %(op)s.") % {"op": op})
        if op == "in":
            values = [v for v in spec.get("values", []) if v not in ("", None)]
            if not values:
                continue
            out[name] = {"op": op, "values": values}
        elif op == "range":
            low, high = spec.get("from") or None, spec.get("to") or None
            if low is None and high is None:
                continue
            out[name] = {"op": op, "from": low, "to": high}
        elif op == "pattern":
            if not spec.get("value"):
                continue
            out[name] = {"op": op, "value": str(spec["value"])}
        else:
            out[name] = {"op": op}
    return out


def filter_count(filters: dict) -> int:
    count = 0
    for section, fields in filters.items():
        if section == "logged_segment":
            count += 1
            continue
        for name, spec in fields.items():
            count += len(spec) if name == "sales_history" else 1
    return count


# -- Q building ---------------------------------------------------------------------------------


def _field_q(spec: FieldSpec, flt: dict, prefix: str = "") -> Q:
    path = prefix + spec.lookup
    op = flt["op"]
    values = flt.get("values")
    if spec.kind in {"code", "fk_code"} and values:
        values = [str(v).strip().upper() for v in values]
    if spec.kind == "bool" and values:
        values = [v in (True, "true", "True", "1", 1, "yes") for v in values]
    if op == "in":
        return Q(**{f"{path}__in": values})
    if op == "range":
        q = Q()
        if flt.get("from") is not None:
            q &= Q(**{f"{path}__gte": flt["from"]})
        if flt.get("to") is not None:
            q &= Q(**{f"{path}__lte": flt["to"]})
        return q
    if op == "pattern":
        return Q(UpperLike(F(path), Value(like_pattern(flt["value"]))))
    blank_path = prefix + (spec.blank_lookup or spec.lookup)
    if spec.kind in {"fk_code", "date", "datetime"}:
        blank = Q(**{f"{blank_path}__isnull": True})
    elif spec.kind == "bool":
        blank = Q(**{blank_path: False})
    else:
        blank = Q(**{blank_path: ""})
    return blank if op == "blank" else ~blank


def _fields_q(fields: dict, known: dict[str, FieldSpec]) -> Q:
    q = Q()
    for name, flt in fields.items():
        q &= _field_q(known[name], flt)
    return q


def _company_ref() -> Coalesce:
    """The contact's company (a company is its own company; an uninserted one has NULL)."""
    return Coalesce(OuterRef("company_id"), OuterRef("pk"))


def _sales_history_q(fields: dict) -> Q:
    return _fields_q(fields, SALES_HISTORY_FIELDS)


def _business_relation_q(fields: dict) -> Q:
    fields = dict(fields)
    history = fields.pop("sales_history", None)
    relation_q = _fields_q(fields, SECTIONS["business_relation"].fields)
    relation_exists = Exists(
        ContactBusinessRelation.objects.filter(relation_q, contact_id=_company_ref())
    )
    if not history:
        return Q(relation_exists)
    history_q = _sales_history_q(history)
    # SEG-30, company: its matched relation is a customer/vendor link with matching lines …
    linked_lines = SalesHistoryLine.objects.filter(
        history_q,
        link_type=OuterRef("link_type"),
        external_number=OuterRef("external_number"),
    )
    via_link = Exists(
        ContactBusinessRelation.objects.filter(
            relation_q,
            contact_id=OuterRef("pk"),
            link_type__in=[LinkType.CUSTOMER, LinkType.VENDOR],
        ).filter(Exists(linked_lines))
    )
    # … or a matching line names the company or one of its persons as contact.
    via_contact = Exists(
        SalesHistoryLine.objects.filter(history_q).filter(
            Q(contact_id=OuterRef("pk")) | Q(contact__company_id=OuterRef("pk"))
        )
    )
    own_relation = Q(relation_exists) if fields else Q()
    company_q = Q(type="company") & (Q(via_link) | (own_relation & Q(via_contact)))
    # SEG-30, person: only when a matching line names that person.
    person_lines = Exists(SalesHistoryLine.objects.filter(history_q, contact_id=OuterRef("pk")))
    person_q = Q(type="person") & own_relation & Q(person_lines)
    return company_q | person_q


SectionBuilder = Callable[[dict], Q]


def _simple_exists(model: type[models.Model], known: dict, on_company: bool = False):
    def build(fields: dict) -> Q:
        ref = _company_ref() if on_company else OuterRef("pk")
        return Q(Exists(model.objects.filter(_fields_q(fields, known), contact_id=ref)))

    return build


def _interaction_q(fields: dict) -> Q:
    return Q(
        Exists(
            InteractionLogEntry.objects.filter(
                _fields_q(fields, INTERACTION_FIELDS),
                contact_id=OuterRef("pk"),
                is_postponed=False,
            )
        )
    )


def _logged_segment_q(fields: dict) -> Q:
    from .models import LoggedSegment

    numbers = LoggedSegment.objects.filter(entry_no=fields["entry_no"]).values("segment_number")
    return Q(
        Exists(
            InteractionLogEntry.objects.filter(
                contact_id=OuterRef("pk"), segment_number__in=numbers, is_postponed=False
            )
        )
    )


BUILDERS: dict[str, SectionBuilder] = {
    "contact": lambda fields: _fields_q(fields, CONTACT_FIELDS),
    "profile_answer": _simple_exists(ContactProfileAnswer, SECTIONS["profile_answer"].fields),
    "mailing_group": _simple_exists(ContactMailingGroup, SECTIONS["mailing_group"].fields),
    "job_responsibility": _simple_exists(
        ContactJobResponsibility, SECTIONS["job_responsibility"].fields
    ),
    "industry_group": _simple_exists(
        ContactIndustryGroup, SECTIONS["industry_group"].fields, on_company=True
    ),
    "business_relation": _business_relation_q,
    "interaction": _interaction_q,
    "logged_segment": _logged_segment_q,
}


def criteria_q(filters: dict) -> Q:
    q = Q()
    for section, fields in normalize_filters(filters).items():
        q &= BUILDERS[section](fields)
    return q


def matching_contacts(filters: dict) -> models.QuerySet[Contact]:
    """Contacts passing every section (SEG-20 before its options); no filters → all."""
    return Contact.objects.filter(criteria_q(filters)).order_by()


def matching_contacts_sql(filters: dict) -> tuple[str, tuple]:
    """``SELECT id FROM contacts WHERE …`` as SQL and params, to embed in set-based writes."""
    return matching_contacts(filters).values("id").query.sql_with_params()


# -- readable summaries -------------------------------------------------------------------------


def _filter_words(label, flt: dict) -> str:
    op = flt["op"]
    if op == "in":
        values = ", ".join(str(v) for v in flt["values"])
        return _("%(field)s is %(values)s") % {"field": label, "values": values}
    if op == "range":
        low, high = flt.get("from"), flt.get("to")
        if low is not None and high is not None:
            return _("%(field)s from %(from)s to %(to)s") % {
                "field": label,
                "from": low,
                "to": high,
            }
        if low is not None:
            return _("%(field)s from %(from)s") % {"field": label, "from": low}
        return _("%(field)s up to %(to)s") % {"field": label, "to": high}
    if op == "pattern":
        return _("%(field)s matches %(pattern)s") % {"field": label, "pattern": flt["value"]}
    if op == "blank":
        return _("%(field)s is blank") % {"field": label}
    return _("%(field)s is not blank") % {"field": label}


def filters_summary(filters: dict) -> list[str]:
    """One readable sentence per section (in the active language)."""
    lines: list[str] = []
    for section, fields in (filters or {}).items():
        if section == "logged_segment":
            lines.append(_("Logged segment %(entry_no)s") % {"entry_no": fields["entry_no"]})
            continue
        if section not in SECTIONS:
            continue
        parts = []
        for name, flt in fields.items():
            if name == "sales_history":
                history = [_filter_words(SALES_HISTORY_FIELDS[n].label, f) for n, f in flt.items()]
                parts.append(_("sales history: %(filters)s") % {"filters": ", ".join(history)})
            else:
                parts.append(_filter_words(SECTIONS[section].fields[name].label, flt))
        lines.append(f"{SECTIONS[section].label}: {'; '.join(parts)}")
    if not lines:
        lines.append(_("All contacts (no filters)"))
    return lines


# -- the criteria form's one-line filter syntax (as in the old ERP) ------------------------------


def parse_filter_text(text: str) -> dict | None:
    """``A|B`` list, ``a..b`` range (either end open), ``*`` pattern, ``''`` blank,
    ``<>''`` not blank; empty text → no filter."""
    text = (text or "").strip()
    if not text:
        return None
    if text == "''":
        return {"op": "blank"}
    if text == "<>''":
        return {"op": "not_blank"}
    if ".." in text:
        low, _sep, high = text.partition("..")
        return {"op": "range", "from": low.strip() or None, "to": high.strip() or None}
    if "*" in text:
        return {"op": "pattern", "value": text}
    return {"op": "in", "values": [v.strip() for v in text.split("|") if v.strip()]}


def filter_text(flt: dict) -> str:
    """The inverse of :func:`parse_filter_text` (to prefill the form)."""
    op = flt["op"]
    if op == "blank":
        return "''"
    if op == "not_blank":
        return "<>''"
    if op == "range":
        return f"{flt.get('from') or ''}..{flt.get('to') or ''}"
    if op == "pattern":
        return flt["value"]
    return "|".join(str(v) for v in flt["values"])
