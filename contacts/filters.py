"""Query meaning of the contact list's GET parameters (no permission scoping here)."""

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setup.models import (
    BusinessRelation,
    ContactType,
    Country,
    IndustryGroup,
    MailingGroup,
    Salesperson,
    Territory,
)

from .forms import ContactFilterForm
from .models import Contact, ContactBusinessRelation, ContactIndustryGroup, ContactMailingGroup
from .selectors import contact_search


class ContactOrderingFilter(django_filters.OrderingFilter):
    """Sortable columns (indexed); ``id`` ends every ordering for stable pages."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            return qs.order_by(*qs.query.order_by, "id")
        return qs


class ContactFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=ContactType.choices)
    company = django_filters.CharFilter(label=_("Company"), method="filter_company")
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code")
    )
    territory = django_filters.ModelChoiceFilter(
        label=_("Territory"), queryset=Territory.objects.order_by("code")
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country/region"), queryset=Country.objects.order_by("code")
    )
    city = django_filters.CharFilter(label=_("City"), lookup_expr="istartswith")
    post_code = django_filters.CharFilter(label=_("Post code"), lookup_expr="startswith")
    industry_group = django_filters.ModelChoiceFilter(
        label=_("Industry group"),
        queryset=IndustryGroup.objects.order_by("code"),
        method="filter_industry_group",
    )
    mailing_group = django_filters.ModelChoiceFilter(
        label=_("Mailing group"),
        queryset=MailingGroup.objects.order_by("code"),
        method="filter_mailing_group",
    )
    business_relation = django_filters.ModelChoiceFilter(
        label=_("Business relation"),
        queryset=BusinessRelation.objects.order_by("code"),
        method="filter_business_relation",
    )
    is_privacy_blocked = django_filters.BooleanFilter(label=_("Privacy blocked"))
    modified_since = django_filters.DateFilter(
        label=_("Modified since"), method="filter_modified_since"
    )
    o = ContactOrderingFilter(
        label=_("Sort"),
        fields=[
            ("number", "number"),
            ("search_name", "name"),
            ("company_name", "company_name"),
            ("city", "city"),
            ("post_code", "post_code"),
            ("last_modified_at", "last_modified_at"),
        ],
    )

    class Meta:
        model = Contact
        form = ContactFilterForm
        fields = []

    def filter_search(self, queryset, name, value):
        return contact_search(queryset, value)

    def filter_company(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(company__number__iexact=value) | Q(company_name__istartswith=value)
        )

    def filter_industry_group(self, queryset, name, value):
        # CON-40: a person shows its company's groups, so it matches on them too.
        rows = ContactIndustryGroup.objects.filter(industry_group=value)
        return queryset.filter(
            Exists(rows.filter(contact=OuterRef("pk")))
            | Exists(rows.filter(contact=OuterRef("company")))
        )

    def filter_mailing_group(self, queryset, name, value):
        rows = ContactMailingGroup.objects.filter(mailing_group=value, contact=OuterRef("pk"))
        return queryset.filter(Exists(rows))

    def filter_business_relation(self, queryset, name, value):
        rows = ContactBusinessRelation.objects.filter(business_relation=value)
        return queryset.filter(
            Exists(rows.filter(contact=OuterRef("pk")))
            | Exists(rows.filter(contact=OuterRef("company")))
        )

    def filter_modified_since(self, queryset, name, value):
        start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        return queryset.filter(last_modified_at__gte=start)
