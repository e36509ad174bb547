"""Django's form renderer with the plainest widget templates written out in Python.

Every form field goes through the template engine once per widget and once more per
``<option>``; on the list pages, whose filter form is re-rendered on every keystroke, that
cost more than the page's SQL. ``FastWidgetRenderer`` produces exactly what Django's own
``input.html``/``select.html``/``select_option.html``/``textarea.html`` produce (same
escaping, same whitespace; ``tests/crm/test_form_renderer.py`` compares both for every
widget) and hands every other template, or a project override of these, to the engine.

Measured on and off in the same run (``bench/form_renderer_bench.py``, bench/README.md "Form
renderer", 2026-12-07): it saves 10–12 % of the CPU of the filtered list pages and 23 % of the
contact create form; the rule kept with the benchmark is to remove it below 10 %.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime

_INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
}
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"
_TEXTAREA = "django/forms/widgets/textarea.html"


def _attrs(attrs: dict) -> str:
    # attrs.html: ' name="value"', a bare name for True, nothing for False.
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"'
        + ("" if value is None else f' value="{conditional_escape(value)}"')
        + f"{_attrs(widget['attrs'])}>"
    )


def _text(value):
    # What ``{{ value }}`` does before escaping (stringformat:'s' attributes skip this).
    return value if isinstance(value, str) else localize(template_localtime(value))


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(_text(option['label']))}</option>"
    )


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(_text(value)) if value else ''}</textarea>"
    )


class FastWidgetRenderer(DjangoTemplates):
    def __init__(self):
        super().__init__()
        self._overridden: dict[str, bool] = {}

    def _is_stock(self, template_name: str) -> bool:
        """False when the project overrides Django's template (then the engine renders it)."""
        if template_name not in self._overridden:
            origin = self.get_template(template_name).origin.name
            self._overridden[template_name] = "/django/forms/templates/" not in origin.replace(
                "\\", "/"
            )
        return not self._overridden[template_name]

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and self._is_stock(template_name):
            if template_name in _INPUTS:
                return _input(widget)
            if template_name == _TEXTAREA:
                return _textarea(widget)
            if template_name == _SELECT and self._is_stock(_OPTION):
                parts = [f'<select name="{conditional_escape(widget["name"])}"']
                parts.append(f"{_attrs(widget['attrs'])}>")
                for group_name, group_choices, _index in widget["optgroups"]:
                    if group_name:
                        parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
                    for option in group_choices:
                        if option["template_name"] == _OPTION:  # its file ends in a newline
                            parts.append(f"\n  {_option(option)}\n")
                        else:
                            parts.append(
                                "\n  " + self.render(option["template_name"], {"widget": option})
                            )
                    if group_name:
                        parts.append("\n  </optgroup>")
                parts.append("\n</select>")
                return "".join(parts)
        return super().render(template_name, context, request)
