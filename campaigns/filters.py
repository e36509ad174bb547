"""Query meaning of the campaign list's GET parameters."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.widgets import DateInput
from setup.models import Salesperson

from .forms import CampaignFilterForm
from .models import Campaign, CampaignStatus


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ModelChoiceFilter(
        label=_("Status"), queryset=CampaignStatus.objects.order_by("code")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code")
    )
    active_on = django_filters.DateFilter(
        label=_("Running on"),
        method="filter_active_on",
        widget=DateInput(),
    )
    is_activated = django_filters.BooleanFilter(
        label=_("Special prices activated"),
        method="filter_activated",
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("number", "number"), ("starting_date", "starting_date")),
        # Every label lazy, the descending ones too: django-filter formats its own
        # "%s (descending)" once at import, in the language of no request (English).
        field_labels={
            "number": _("No."),
            "-number": _("No. (descending)"),
            "starting_date": _("Starting date"),
            "-starting_date": _("Starting date (descending)"),
        },
    )

    class Meta:
        model = Campaign
        fields = ["q", "status", "salesperson", "active_on", "is_activated"]
        form = CampaignFilterForm

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__istartswith=value) | Q(description__icontains=value))

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(
            Q(starting_date__isnull=True) | Q(starting_date__lte=value),
            Q(ending_date__isnull=True) | Q(ending_date__gte=value),
        )

    def filter_activated(self, queryset, name, value):
        return queryset.filter(is_activated=value)

    @property
    def qs(self):
        qs = super().qs
        if not qs.query.order_by:
            qs = qs.order_by("number", "id")
        elif qs.query.order_by[-1] != "id":
            qs = qs.order_by(*qs.query.order_by, "id")
        return qs
