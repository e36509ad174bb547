"""The Python widget renderer writes exactly what Django's widget templates write."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from crm.form_renderer import FastWidgetRenderer


class EveryWidgetForm(forms.Form):
    text = forms.CharField(initial='Dupont & "fils" <b>', help_text="x")
    number = forms.IntegerField(initial=1200, min_value=0)
    email = forms.EmailField(required=False)
    url = forms.URLField(initial="https://example.com/?a=1&b=2")
    password = forms.CharField(widget=forms.PasswordInput)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h'1")
    date = forms.DateField(initial=dt.date(2026, 11, 23), widget=forms.DateInput)
    when = forms.DateTimeField(initial=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC))
    time = forms.TimeField(initial=dt.time(9, 30))
    checkbox = forms.BooleanField(initial=True, required=False)
    unchecked = forms.BooleanField(initial=False, required=False)
    textarea = forms.CharField(widget=forms.Textarea, initial="line 1\n<line 2>")
    empty_textarea = forms.CharField(widget=forms.Textarea, required=False)
    select = forms.ChoiceField(
        choices=[("", "---------"), ("a", "A & B"), ("b", gettext_lazy("Name")), (3, 3)],
        initial="a",
    )
    grouped = forms.ChoiceField(
        choices=[("Europe", [("fr", "France"), ("be", "Belgique")]), ("xx", "Other")],
        initial="be",
    )
    nullboolean = forms.NullBooleanField(initial=False)
    multiple = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", "Two"), ("3", "Three")], initial=["1", "3"]
    )
    radio = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    upload = forms.FileField(required=False)
    safe_label = forms.ChoiceField(choices=[("s", mark_safe("<em>safe</em>"))])
    attrs = forms.CharField(
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "hx-get": "/x/?a=1&b=2",
                "disabled": True,
                "readonly": False,
                "data-n": 5,
            }
        )
    )


@pytest.mark.parametrize("bound", [False, True])
def test_fast_renderer_matches_django_templates(bound):
    data = {
        "text": "<script>alert(1)</script>",
        "number": "17",
        "select": "b",
        "grouped": "fr",
        "nullboolean": "true",
        "multiple": ["2"],
        "checkbox": "on",
        "textarea": "a\nb & c",
    }
    stock = EveryWidgetForm(data if bound else None, renderer=DjangoTemplates())
    fast = EveryWidgetForm(data if bound else None, renderer=FastWidgetRenderer())
    for name in EveryWidgetForm.base_fields:
        assert str(fast[name]) == str(stock[name]), name
    # The whole form (div.html and friends still come from the templates).
    assert str(fast) == str(stock)


def test_fast_renderer_is_the_project_renderer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgetRenderer)
