"""Every date and date-time field of the product renders an ISO value, in every language.

A browser discards a ``<input type="date">`` value that is not ``YYYY-MM-DD``; Django's own
``DateInput`` renders the language's format (``07/12/2026`` in French), so the field came up
empty and the next save lost the date. These tests walk every form and filter class of the
project, so a new date field without ``crm.widgets`` fails here.
"""

import datetime as dt
import importlib
import pkgutil

import django_filters
import pytest
from django import forms
from django.utils import timezone, translation

from crm.widgets import DateInput, DateRangeWidget, DateTimeInput

PROJECT_APPS = (
    "crm",
    "setup",
    "contacts",
    "interactions",
    "opportunities",
    "segments",
    "campaigns",
    "reports",
    "api",
    "maillog",
)
# Not form code, and importing them has effects (settings modules check their environment).
SKIPPED_MODULES = (".migrations", ".management", ".settings", "crm.wsgi", "crm.asgi", "crm.celery")
DATE = dt.date(2026, 12, 7)  # 07/12/2026 in French: day and month tell the formats apart
DATETIME = dt.datetime(2026, 12, 7, 14, 30, tzinfo=dt.UTC)
DATE_FILTERS = (
    django_filters.DateFilter,
    django_filters.DateTimeFilter,
    django_filters.DateFromToRangeFilter,
    django_filters.DateTimeFromToRangeFilter,
)


def _import_project_modules() -> None:
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if any(part in info.name for part in SKIPPED_MODULES):
                continue
            importlib.import_module(info.name)


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def _project(classes) -> list[type]:
    return sorted(
        (c for c in classes if c.__module__.split(".")[0] in PROJECT_APPS),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def _date_fields(form_class) -> dict[str, forms.Field]:
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    }


def _form_classes() -> list[type]:
    _import_project_modules()
    return [c for c in _project(_subclasses(forms.BaseForm)) if _date_fields(c)]


def _filtersets() -> list[type]:
    _import_project_modules()
    return [
        c
        for c in _project(_subclasses(django_filters.FilterSet))
        if any(isinstance(f, DATE_FILTERS) for f in c.base_filters.values())
    ]


def _value(field) -> dt.date | dt.datetime:
    return DATETIME if isinstance(field, forms.DateTimeField) else DATE


def _iso(field) -> str:
    if isinstance(field, forms.DateTimeField):
        return timezone.localtime(DATETIME).strftime("%Y-%m-%dT%H:%M")
    return "2026-12-07"


def _bound_to_instance(form_class, dates: dict) -> forms.BaseForm:
    """The form as its page builds it, showing ``dates`` (on a model instance for a ModelForm).

    Forms whose constructor needs the page's own arguments (a contact, a user …) are built
    through the base constructor: the date fields and their widgets are the class's own."""
    kwargs: dict = {}
    if issubclass(form_class, forms.BaseModelForm):
        model = form_class._meta.model
        model_fields = {f.name for f in model._meta.get_fields()}
        kwargs["instance"] = model(**{k: v for k, v in dates.items() if k in model_fields})
        kwargs["initial"] = {k: v for k, v in dates.items() if k not in model_fields}
    else:
        kwargs["initial"] = dates
    try:
        return form_class(**kwargs)
    except Exception:  # it needs page arguments: build it with the base constructor
        form = form_class.__new__(form_class)
        base = forms.BaseModelForm if "instance" in kwargs else forms.BaseForm
        base.__init__(form, **kwargs)
        return form


def test_the_walk_finds_the_forms_and_filters_with_dates():
    """The walk is not empty: the pages named in the defect are among the classes it checks."""
    names = {c.__qualname__ for c in _form_classes()} | {c.__qualname__ for c in _filtersets()}
    for expected in (
        "OpportunityUpdateForm",
        "OpportunityCloseForm",
        "SegmentForm",
        "InteractionForm",
        "TaskForm",
        "ActivityAssignForm",
        "CampaignForm",
        "DateRangeForm",
        "InteractionLogEntryFilterSet",
    ):
        assert expected in names
    assert len(names) >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_date_form_field_renders_iso_bound_to_an_instance(language):
    failures = []
    for form_class in _form_classes():
        fields = _date_fields(form_class)
        with translation.override(language):
            form = _bound_to_instance(form_class, {n: _value(f) for n, f in fields.items()})
            for name, field in fields.items():
                label = f"{form_class.__module__}.{form_class.__qualname__}.{name}"
                widget = form.fields[name].widget
                expected = DateTimeInput if isinstance(field, forms.DateTimeField) else DateInput
                if not isinstance(widget, expected | forms.HiddenInput):
                    failures.append(f"{label}: {type(widget).__module__}.{type(widget).__name__}")
                    continue
                html = str(form[name])
                if f'value="{_iso(field)}"' not in html:
                    failures.append(f"{label}: {html}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_every_date_form_field_round_trips_unchanged_in_french():
    """Posting the ISO value the page shows gives back the same date, re-rendered as ISO."""
    failures = []
    with translation.override("fr"):
        for form_class in _form_classes():
            for name, field in _date_fields(form_class).items():
                value = field.clean(_iso(field))
                if isinstance(field, forms.DateTimeField):
                    value = timezone.localtime(value)
                    ok = value.replace(second=0) == timezone.localtime(DATETIME)
                else:
                    ok = value == DATE
                html = field.widget.render(name, field.prepare_value(value))
                if not ok or f'value="{_iso(field)}"' not in html:
                    failures.append(f"{form_class.__qualname__}.{name}: {value!r} {html}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_date_filter_renders_iso(language):
    failures = []
    for filterset in _filtersets():
        for name, flt in filterset.base_filters.items():
            if not isinstance(flt, DATE_FILTERS):
                continue
            label = f"{filterset.__qualname__}.{name}"
            is_range = isinstance(
                flt, django_filters.DateFromToRangeFilter | django_filters.DateTimeFromToRangeFilter
            )
            widget = flt.field.widget
            if is_range:
                parts = getattr(widget, "widgets", [])
                if not isinstance(widget, DateRangeWidget) or not all(
                    isinstance(w, DateInput) for w in parts
                ):
                    failures.append(f"{label}: {type(widget).__name__}")
                    continue
                value = [DATE, DATE]
            else:
                if not isinstance(widget, DateInput | DateTimeInput):
                    failures.append(f"{label}: {type(widget).__name__}")
                    continue
                value = DATE
            with translation.override(language):
                html = widget.render(name, value)
            if 'value="2026-12-07"' not in html or 'type="date"' not in html:
                failures.append(f"{label}: {html}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_widgets_render_iso_and_parse_it_back(language):
    with translation.override(language):
        date_field = forms.DateField(widget=DateInput(attrs={"type": "text", "class": "x"}))
        datetime_field = forms.DateTimeField(widget=DateTimeInput())
        assert date_field.widget.render("d", DATE) == (
            '<input type="date" name="d" value="2026-12-07" class="x">'
        )
        local = timezone.localtime(DATETIME)
        rendered = datetime_field.widget.render("t", datetime_field.prepare_value(DATETIME))
        assert f'type="datetime-local" name="t" value="{local:%Y-%m-%dT%H:%M}"' in rendered
        assert date_field.clean("2026-12-07") == DATE
        assert datetime_field.clean(f"{local:%Y-%m-%dT%H:%M}") == DATETIME
