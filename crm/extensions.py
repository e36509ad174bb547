"""What higher apps contribute to the lists, cards and admin pages of lower ones.

The layers contract (``pyproject.toml``) forbids ``contacts`` or ``opportunities`` to import
``sync``, yet their lists show a coupling status column and filter and their cards the
coupling actions. So the higher app registers its contributions here, from its
``AppConfig.ready()``, keyed by model label (``"contacts.contact"``), and the lower app renders
whatever is registered for its model without knowing who contributed it:

* ``ListColumn``: a column of a list page. ``annotate`` adds what the cells read to the list's
  queryset (one annotation, no query per row); ``render`` turns a row into the cell's HTML.
* ``ListFilter``: a choice filter added to the list's FilterSet (``ExtensibleFilterSetMixin``).
* ``ListAction``: a link in the list's toolbar (a page of the contributing app).
* ``BulkActions``: buttons posting the rows ticked in the list to a page of the contributing
  app (the list then shows a checkbox per row).
* ``CardPanel``: a fragment of the card, loaded with ``hx-get`` from the contributing app.
* ``AdminExtension``: ``list_display`` callables, ``list_filter`` classes and actions for a
  model's admin (``ExtensibleAdminMixin``).

Each contribution carries ``visible(user)``; hidden ones cost nothing (no annotation, no
filter, no panel).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django import forms
from django.contrib.admin.options import ActionLocation
from django.db.models import QuerySet


def _always(user) -> bool:
    return True


@dataclass(frozen=True)
class ListColumn:
    name: str
    label: Any
    annotate: Callable[[QuerySet, Any], QuerySet]
    render: Callable[[Any], str]
    visible: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class ListFilter:
    name: str
    label: Any
    choices: Callable[[], list[tuple[str, Any]]]
    apply: Callable[[QuerySet, str], QuerySet]
    visible: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class ListAction:
    label: Any
    url: Callable[[], str]
    visible: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class BulkActions:
    url: Callable[[], str]
    actions: Callable[[], list[tuple[str, Any]]]  # (value of the "action" button, label)
    select_label: Any = ""
    visible: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class CardPanel:
    name: str
    url: Callable[[Any], str | None]
    visible: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class AdminExtension:
    annotate: Callable[[QuerySet], QuerySet] | None = None
    list_display: tuple = ()
    list_filter: tuple = ()
    actions: tuple = ()
    visible: Callable[[Any], bool] = _always


@dataclass
class _Registry:
    columns: dict[str, list[ListColumn]] = field(default_factory=dict)
    filters: dict[str, list[ListFilter]] = field(default_factory=dict)
    actions: dict[str, list[ListAction]] = field(default_factory=dict)
    bulk: dict[str, list[BulkActions]] = field(default_factory=dict)
    panels: dict[str, list[CardPanel]] = field(default_factory=dict)
    admin: dict[str, list[AdminExtension]] = field(default_factory=dict)


registry = _Registry()


def _add(bucket: dict[str, list], model_label: str, item) -> None:
    items = bucket.setdefault(model_label.lower(), [])
    if item not in items:  # ready() may run twice (tests, reloads)
        items.append(item)


def column_register(model_label: str, column: ListColumn) -> None:
    _add(registry.columns, model_label, column)


def filter_register(model_label: str, list_filter: ListFilter) -> None:
    _add(registry.filters, model_label, list_filter)


def action_register(model_label: str, action: ListAction) -> None:
    _add(registry.actions, model_label, action)


def bulk_register(model_label: str, bulk: BulkActions) -> None:
    _add(registry.bulk, model_label, bulk)


def panel_register(model_label: str, panel: CardPanel) -> None:
    _add(registry.panels, model_label, panel)


def admin_register(model_label: str, extension: AdminExtension) -> None:
    _add(registry.admin, model_label, extension)


def _visible(items: Iterable, user) -> list:
    return [item for item in items if item.visible(user)]


def list_columns(model_label: str, user) -> list[ListColumn]:
    return _visible(registry.columns.get(model_label.lower(), []), user)


def list_filters(model_label: str, user) -> list[ListFilter]:
    return _visible(registry.filters.get(model_label.lower(), []), user)


def list_actions(model_label: str, user) -> list[tuple[Any, str]]:
    """(label, url) of the toolbar links the user may follow."""
    return [
        (action.label, action.url())
        for action in _visible(registry.actions.get(model_label.lower(), []), user)
    ]


def list_bulk(model_label: str, user) -> dict | None:
    """The first visible ``BulkActions`` of the list as {"url", "actions", "select_label"}
    (None: the list shows no checkboxes)."""
    for bulk in _visible(registry.bulk.get(model_label.lower(), []), user):
        return {"url": bulk.url(), "actions": bulk.actions(), "select_label": bulk.select_label}
    return None


def list_annotate(model_label: str, queryset: QuerySet, user) -> QuerySet:
    """The list's queryset with what the visible extension columns read."""
    for column in list_columns(model_label, user):
        queryset = column.annotate(queryset, user)
    return queryset


def card_panels(model_label: str, obj, user) -> list[str]:
    """URLs of the card fragments the user may see for ``obj`` (None: nothing for it)."""
    urls = []
    for panel in _visible(registry.panels.get(model_label.lower(), []), user):
        url = panel.url(obj)
        if url:
            urls.append(url)
    return urls


def admin_extensions(model_label: str, user) -> list[AdminExtension]:
    return _visible(registry.admin.get(model_label.lower(), []), user)


class ExtensibleFilterSetMixin:
    """Adds the visible ``ListFilter``s of the FilterSet's model as choice filters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = kwargs.get("request") or getattr(self, "request", None)
        user = getattr(request, "user", None)
        for extension in list_filters(self._meta.model._meta.label_lower, user):
            self.filters[extension.name] = django_filters.ChoiceFilter(
                field_name=extension.name,
                label=extension.label,
                choices=extension.choices,
                method=lambda queryset, name, value, apply=extension.apply: apply(queryset, value),
                widget=forms.Select,
            )


class ExtensibleAdminMixin:
    """``list_display``, ``list_filter``, actions and the queryset annotation contributed to
    this admin's model (visible ones only)."""

    def _extensions(self, request) -> list[AdminExtension]:
        return admin_extensions(self.model._meta.label_lower, request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for extension in self._extensions(request):
            if extension.annotate is not None:
                queryset = extension.annotate(queryset)
        return queryset

    def get_list_display(self, request):
        extra = [item for ext in self._extensions(request) for item in ext.list_display]
        return [*super().get_list_display(request), *extra]

    def get_list_filter(self, request):
        extra = [item for ext in self._extensions(request) for item in ext.list_filter]
        return [*super().get_list_filter(request), *extra]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if action_location != ActionLocation.CHANGE_LIST:
            return actions
        for extension in self._extensions(request):
            for action in extension.actions:
                name = action.__name__
                description = getattr(action, "short_description", name)
                actions[name] = (action, name, description)
        return actions
