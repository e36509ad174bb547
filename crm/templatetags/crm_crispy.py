"""crispy-bootstrap5's ``bootstrap5/field.html`` written out in Python for the common fields.

Why: every form field crispy renders goes through that template (about fifty ``{% if %}``
and two to four ``{% include %}`` per field); the contact form has 39 fields and spent about
three quarters of its CPU there (``bench/crispy_field_bench.py``, measured in bench/README.md
under "Crispy field template"). ``templates/bootstrap5/field.html`` shadows the library's
template with this tag.

What: a visible field of a vertical form whose labels show: text-like inputs, selects,
textareas and single checkboxes, with their label, help text and errors, produce the markup
of the library's template (the same elements, attributes and text; only the whitespace
between tags differs). Every other case (hidden fields, horizontal forms, fields in a table
row, fieldsets such as radio lists, file inputs, hidden labels, checkbox offsets) renders
the library's own template. ``CRM_FAST_CRISPY_FIELDS = False`` renders that template always;
``tests/crm/test_crispy_fields.py`` compares both on every form page of the product.
"""

from django import forms, template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NAME = "bootstrap5/field.html"
_library_templates: dict = {}  # engine id -> the library's template


def _library_template(context):
    """The template that ours shadows: the next one of the same name, as ``{% extends %}`` of
    a template by its own name finds it."""
    engine = context.template.engine
    found = _library_templates.get(id(engine))
    if found is None:
        _ours, origin = engine.find_template(NAME)
        found, _origin = engine.find_template(NAME, skip=[origin])
        _library_templates[id(engine)] = found
    return found


def _falls_back(field, context) -> bool:
    widget = field.field.widget
    return (
        field.is_hidden
        or not context.get("form_show_labels")
        or context.get("tag")
        or "form-horizontal" in (context.get("form_class") or "")
        or field.use_fieldset
        or isinstance(widget, (forms.FileInput, forms.RadioSelect, forms.MultiWidget))
        or (isinstance(widget, forms.CheckboxInput) and context.get("label_class"))
    )


def _widget(field, css: str) -> str:
    """``{% crispy_field field 'class' css %}``: the widget's class name (after the
    converters) and ``css`` added to its class attribute, then the widget rendered."""
    widget = field.field.widget
    widget = getattr(widget, "widget", widget)
    name = widget.__class__.__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    current = widget.attrs.get("class", "")
    if current:
        if current.find(name) == -1:
            current += f" {name}"
    else:
        current = name
    for word in css.split():
        if word not in current.split():
            current += f" {word}"
    widget.attrs["class"] = current
    return str(field)


def _help_text(field, inline: bool) -> str:
    if not field.help_text:
        return ""
    if inline:
        return format_html(
            '<span id="{}_helptext" class="form-text">{}</span>',
            field.auto_id,
            mark_safe(field.help_text),  # noqa: S308 - the template's |safe
        )
    if field.auto_id:
        return format_html(
            '<div id="{}_helptext" class="form-text">{}</div>',
            field.auto_id,
            mark_safe(field.help_text),  # noqa: S308 - the template's |safe
        )
    return format_html('<div class="form-text">{}</div>', mark_safe(field.help_text))  # noqa: S308


def _errors(field, context, inline: bool) -> str:
    if not (context.get("form_show_errors") and field.errors):
        return ""
    tag = "span" if inline else "p"
    items = "".join(
        format_html(
            '<{0} id="error_{1}_{2}"><strong>{3}</strong></{0}>', tag, number, field.auto_id, error
        )
        for number, error in enumerate(field.errors, start=1)
    )
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        getattr(field.errors, "field_id", ""),
        SafeString(items),
    )


def _help_text_and_errors(field, context) -> str:
    help_inline, error_inline = context.get("help_text_inline"), context.get("error_text_inline")
    parts = []
    if help_inline and not error_inline:
        parts.append(_help_text(field, inline=True))
    parts.append(_errors(field, context, inline=bool(error_inline)))
    if not help_inline:
        parts.append(_help_text(field, inline=False))
    return "".join(parts)


def _label_text(field) -> str:
    text = conditional_escape(field.label)
    if field.field.required:
        text += '<span class="asteriskField">*</span>'
    return text


def _fast(field, context) -> str:
    widget = field.field.widget
    required = " requiredField" if field.field.required else ""
    wrapper = "".join(
        f" {conditional_escape(extra)}"
        for extra in (context.get("wrapper_class"), field.css_classes())
        if extra
    )
    invalid = " is-invalid" if field.errors else ""
    auto_id = conditional_escape(field.auto_id)
    id_for_label = conditional_escape(field.id_for_label)
    if isinstance(widget, forms.CheckboxInput):
        return (
            f'<div class="mb-3"><div id="div_{auto_id}" class="form-check{wrapper}">'
            f"{_widget(field, 'form-check-input' + invalid)}"
            f'<label for="{id_for_label}" class="form-check-label{required}">'
            f"{_label_text(field)}</label>{_help_text_and_errors(field, context)}</div></div>"
        )
    parts = [f'<div id="div_{auto_id}" class="mb-3{wrapper}">']
    if field.label:
        label_for = f'for="{id_for_label}" ' if field.id_for_label else ""
        label_class = context.get("label_class")
        extra = f" {conditional_escape(label_class)}" if label_class else ""
        parts.append(
            f'<label {label_for}class="form-label{extra}{required}">{_label_text(field)}</label>'
        )
    field_class = context.get("field_class")
    if field_class:
        parts.append(f'<div class="{conditional_escape(field_class)}">')
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    parts.append(_widget(field, css + invalid))
    parts.append(_help_text_and_errors(field, context))
    if field_class:
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


@register.simple_tag(takes_context=True)
def bootstrap5_field(context):
    field = context.get("field")
    if not getattr(settings, "CRM_FAST_CRISPY_FIELDS", True) or _falls_back(field, context):
        return _library_template(context).render(context)
    return mark_safe(_fast(field, context))  # noqa: S308 - every value above is escaped
