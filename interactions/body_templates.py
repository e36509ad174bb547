"""E-mail body templates (SPEC 4.1, I-17): Django syntax limited to variables, ``if`` and the
``default`` filter; auto-escaped; unknown variables render empty.

Rendering receives plain dicts (never model instances), so a template cannot call methods.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils.translation import gettext_lazy as _

ALLOWED_TAGS = {"if", "elif", "else", "endif"}
ALLOWED_FILTERS = {"default"}
_FILTER_RE = re.compile(r"\|\s*(\w+)")
_STRING_RE = re.compile(r"\"[^\"]*\"|'[^']*'")

_engine = Engine(autoescape=True, string_if_invalid="", libraries={}, builtins=[])


def email_body_validate(body: str, *, field: str = "email_body") -> None:
    """Raise ``ValidationError`` naming ``field`` when ``body`` is not an allowed template."""
    if not body:
        return
    for token in Lexer(body).tokenize():
        contents = _STRING_RE.sub('""', token.contents)
        if token.token_type == TokenType.BLOCK:
            tag = contents.split()[0] if contents.split() else ""
            if tag not in ALLOWED_TAGS:
                raise ValidationError(
                    {
                        field: _(
                            "Line %(line)s: the tag “%(tag)s” is not allowed; use variables, "
                            "if and the default filter only."
                        )
                        % {"line": token.lineno, "tag": tag}
                    },
                    code="tag_not_allowed",
                )
        if token.token_type in (TokenType.BLOCK, TokenType.VAR):
            for name in _FILTER_RE.findall(contents):
                if name not in ALLOWED_FILTERS:
                    raise ValidationError(
                        {
                            field: _(
                                "Line %(line)s: the filter “%(filter)s” is not allowed; only "
                                "default is."
                            )
                            % {"line": token.lineno, "filter": name}
                        },
                        code="filter_not_allowed",
                    )
    try:
        _engine.from_string(body)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            {field: _("Template syntax error: %(error)s") % {"error": exc}}, code="syntax"
        ) from exc


def email_body_render(body: str, context: dict) -> str:
    if not body:
        return ""
    return _engine.from_string(body).render(Context(context, autoescape=True))


def _salesperson_dict(salesperson) -> dict:
    if salesperson is None:
        return {}
    return {
        "name": salesperson.name,
        "email": salesperson.email,
        "phone": salesperson.phone,
        "job_title": salesperson.job_title,
        "code": salesperson.code,
    }


def _numbered_dict(record) -> dict:
    """``campaign`` / ``segment``: a record (or a dict) reduced to number and description."""
    if not record:
        return {}
    if isinstance(record, dict):
        return {"number": record.get("number", ""), "description": record.get("description", "")}
    return {"number": record.number, "description": record.description}


def salutation_formulas_for(contacts) -> dict:
    """Every formula the salutations of ``contacts`` may use, in one query, keyed by
    (salutation id, language id, salutation type): pass it to ``contact_salutation_texts`` so
    a page of letters does not query twice per contact."""
    from setup.models import SalutationFormula

    salutation_ids = {c.salutation_id for c in contacts if c is not None and c.salutation_id}
    if not salutation_ids:
        return {}
    return {
        (formula.salutation_id, formula.language_id, formula.salutation_type): formula
        for formula in SalutationFormula.objects.filter(salutation_id__in=salutation_ids)
    }


def contact_salutation_texts(contact, *, formulas: dict | None = None) -> dict[str, str]:
    """SET-40/42: formal and informal salutation of ``contact`` in its language (else the
    default language, SET-41). A missing salutation or formula gives "" (the send goes on).

    ``formulas`` (from ``salutation_formulas_for``) replaces the per-contact queries."""
    from setup.models import MarketingSetup, SalutationType
    from setup.salutations import render_salutation_formula, salutation_text

    texts = {"salutation_formal": "", "salutation_informal": ""}
    if contact is None or not getattr(contact, "salutation_id", None):
        return texts
    values = {
        part: getattr(contact, part, "") or ""
        for part in ("job_title", "first_name", "middle_name", "surname", "initials")
    }
    values["company_name"] = contact.company_name or ""
    if formulas is not None:
        language_id = contact.language_id or MarketingSetup.load().default_language_id
        for kind in (SalutationType.FORMAL, SalutationType.INFORMAL):
            formula = formulas.get((contact.salutation_id, language_id, kind.value))
            if formula is not None:
                texts[f"salutation_{kind.value}"] = render_salutation_formula(formula, values)
        return texts
    for kind in (SalutationType.FORMAL, SalutationType.INFORMAL):
        try:
            texts[f"salutation_{kind.value}"] = salutation_text(
                salutation=contact.salutation,
                values=values,
                salutation_type=kind,
                language=contact.language,
            )
        except ValidationError:
            continue
    return texts


def email_body_context(
    *,
    contact,
    salesperson=None,
    segment=None,
    campaign=None,
    today: dt.date | None = None,
    salutations: dict[str, str] | None = None,
) -> dict:
    """The variables of SPEC 4.1 as plain values.

    ``campaign`` and ``segment`` are records (or dicts) with ``number`` and ``description``;
    ``salutations`` (from ``contact_salutation_texts``) saves computing them again.
    """
    from django.utils import timezone

    contact_values = {}
    if contact is not None:
        for field in contact._meta.concrete_fields:
            if field.is_relation or field.generated:
                continue
            contact_values[field.attname] = getattr(contact, field.attname)
    return {
        "contact": contact_values,
        **(salutations if salutations is not None else contact_salutation_texts(contact)),
        "salesperson": _salesperson_dict(salesperson),
        "campaign": _numbered_dict(campaign),
        "segment": _numbered_dict(segment),
        "today": today or timezone.localdate(),
    }
