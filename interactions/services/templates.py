"""Interaction groups, templates, their language rows and the template setup (INT-1..4)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.concurrency import ensure_not_stale
from crm.services import model_update
from interactions.body_templates import email_body_validate
from interactions.models import (
    DOCUMENT_SLOTS,
    NO_LANGUAGE_SLOTS,
    OTHER_SLOTS,
    AttachmentMode,
    InteractionGroup,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
)

from .messages import MSG_DOCUMENT_TEMPLATE_LANGUAGES

# -- groups and templates ---------------------------------------------------------------------

GROUP_FIELDS = ["code", "description"]
TEMPLATE_FIELDS = [
    "code",
    "description",
    "group",
    "unit_cost",
    "unit_duration_min",
    "information_flow",
    "initiated_by",
    "campaign",
    "is_campaign_target",
    "is_campaign_response",
    "correspondence_type",
    "ignore_contact_correspondence_type",
    "default_language",
    "attachment_mode",
]
TEMPLATE_LANGUAGE_FIELDS = [
    "description",
    "attachment",
    "email_subject",
    "email_body",
    "send_attachment_as_file",
]


@transaction.atomic
def interaction_group_create(*, data: dict[str, Any]) -> InteractionGroup:
    group = InteractionGroup(**{f: data[f] for f in GROUP_FIELDS if f in data})
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def interaction_group_update(
    *, group: InteractionGroup, data: dict[str, Any], expected_version: str | None = None
) -> InteractionGroup:
    """``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    group = InteractionGroup.objects.select_for_update().get(pk=group.pk)
    edited = [f for f in GROUP_FIELDS if f in data]
    ensure_not_stale(instance=group, expected_version=expected_version, fields=edited, data=data)
    data = {**data, "code": (data.get("code") or group.code).strip().upper()}
    group, _changed = model_update(instance=group, fields=GROUP_FIELDS, data=data)
    return group


def _template_validate(template: InteractionTemplate) -> None:
    """INT-1 (model constraints), INT-2 and INT-3 (upload vs. default-language body)."""
    template.code = (template.code or "").strip().upper()
    errors: dict[str, list] = {}
    if template.pk is None:
        if template.default_language_id is not None:
            errors["default_language"] = [
                _("Add a language row for %(language)s before making it the default.")
                % {"language": template.default_language}
            ]
    else:
        rows = {r.language_id: r for r in template.languages.all()}
        if template.default_language_id and template.default_language_id not in rows:
            errors["default_language"] = [
                _("The default language must have a language row on this template.")
            ]
        default_row = rows.get(template.default_language_id)
        if (
            template.attachment_mode == AttachmentMode.UPLOAD
            and default_row is not None
            and default_row.email_body
        ):
            errors["attachment_mode"] = [
                _("Upload is not allowed when the default language row has an e-mail body.")
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def interaction_template_create(*, data: dict[str, Any]) -> InteractionTemplate:
    template = InteractionTemplate(**{f: data[f] for f in TEMPLATE_FIELDS if f in data})
    _template_validate(template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def interaction_template_update(
    *, template: InteractionTemplate, data: dict[str, Any], expected_version: str | None = None
) -> InteractionTemplate:
    """``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    template = InteractionTemplate.objects.select_for_update().get(pk=template.pk)
    edited = [f for f in TEMPLATE_FIELDS if f in data]
    ensure_not_stale(instance=template, expected_version=expected_version, fields=edited, data=data)
    for field in TEMPLATE_FIELDS:
        if field in data:
            setattr(template, field, data[field])
    _template_validate(template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def interaction_template_language_save(
    *,
    template: InteractionTemplate,
    language,
    data: dict[str, Any],
    row: InteractionTemplateLanguage | None = None,
    expected_version: str | None = None,
) -> InteractionTemplateLanguage:
    """Create or update a language row; a body with a syntax error is refused (I-17).
    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused."""
    if row is not None:
        row = InteractionTemplateLanguage.objects.select_for_update().get(pk=row.pk)
        edited = [f for f in TEMPLATE_LANGUAGE_FIELDS if data.get(f, "") is not None]
        edited = [f for f in edited if f in data]
        ensure_not_stale(instance=row, expected_version=expected_version, fields=edited, data=data)
    email_body_validate(data.get("email_body", row.email_body if row else ""))
    if row is None:
        row = InteractionTemplateLanguage(template=template, language=language)
    else:
        row.language = language
    for field in TEMPLATE_LANGUAGE_FIELDS:
        if field in data and not (field == "attachment" and data[field] is None):
            setattr(row, field, data[field])
    row.full_clean()
    row.save()
    if (
        template.attachment_mode == AttachmentMode.UPLOAD
        and row.email_body
        and (template.default_language_id == row.language_id)
    ):
        raise ValidationError(
            {
                "email_body": _(
                    "Upload templates cannot have an e-mail body on the default language row."
                )
            }
        )
    return row


@transaction.atomic
def interaction_template_language_delete(*, row: InteractionTemplateLanguage) -> None:
    """INT-2: deleting the default language's row clears ``default_language``."""
    InteractionTemplate.objects.filter(
        pk=row.template_id, default_language_id=row.language_id
    ).update(default_language=None, updated_at=timezone.now())
    row.delete()


# -- template setup (INT-4) ----------------------------------------------------------------------

SETUP_SLOTS = [*DOCUMENT_SLOTS, *OTHER_SLOTS]


@transaction.atomic
def interaction_template_setup_update(*, data: dict[str, Any]) -> InteractionTemplateSetup:
    """INT-4: document, e-mail logging, cover sheet and outgoing call slots take only
    templates without language rows."""
    setup = InteractionTemplateSetup.load()
    errors = {}
    for slot in NO_LANGUAGE_SLOTS:
        template = data.get(slot)
        if template is not None and template.languages.exists():
            errors[slot] = MSG_DOCUMENT_TEMPLATE_LANGUAGES % {"code": template.code}
    if errors:
        raise ValidationError(errors)
    setup, _changed = model_update(instance=setup, fields=SETUP_SLOTS, data=data)
    return setup
