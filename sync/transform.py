"""Transformation rules of field mappings (SPEC 13.1 SyncTransformationRule, SYN-7)."""

from typing import Any

from django.utils.translation import gettext_noop

from .models import AppliesTo, Direction, SyncTransformationRule, TransformationKind
from .texts import SourceError, msg

UNMAPPED_VALUE = gettext_noop("unmapped value %(value)s for %(field)s")


class TransformationError(SourceError, ValueError):
    pass


def applies(rule: SyncTransformationRule, way: str) -> bool:
    return rule.applies_to == AppliesTo.BOTH or rule.applies_to == way


def transform(rule: SyncTransformationRule | None, value: Any, way: str, field: str) -> Any:
    """``value`` travelling ``way`` through ``rule``; TransformationError when it cannot."""
    if rule is None or not applies(rule, way) or value is None:
        return value
    kind = rule.kind
    if kind == TransformationKind.VALUE_MAP:
        pairs = {str(k): v for k, v in (rule.value_map or {}).items()}
        if way == Direction.FROM_REMOTE:
            pairs = {str(v): k for k, v in pairs.items()}
        if str(value) not in pairs:
            raise TransformationError(msg(UNMAPPED_VALUE, value=str(value), field=field))
        return pairs[str(value)]
    text = str(value)
    if kind == TransformationKind.TRIM:
        return text.strip()
    if kind == TransformationKind.UPPER:
        return text.upper()
    if kind == TransformationKind.LOWER:
        return text.lower()
    if kind == TransformationKind.REPLACE:
        if not rule.find_text:
            raise TransformationError(
                msg(gettext_noop("the rule %(code)s has nothing to find"), code=rule.code)
            )
        return text.replace(rule.find_text, rule.replace_text)
    if kind == TransformationKind.ADD_PREFIX:
        return text if text.startswith(rule.prefix) else rule.prefix + text
    if kind == TransformationKind.REMOVE_PREFIX:
        return text[len(rule.prefix) :] if text.startswith(rule.prefix) else text
    if kind == TransformationKind.SUBSTRING:
        start = max(rule.start, 1) - 1
        return text[start : start + rule.length] if rule.length else text[start:]
    return value
