"""The home dashboard, the report index and the statistics pages (SPEC 10.2-10.7)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from contacts.selectors import contact_get
from reports import selectors
from reports.charts import column_chart, hbar_chart
from reports.forms import (
    DateRangeForm,
)


class HomeView(LoginRequiredMixin, TemplateView):
    """The role-aware dashboard (replaces the foundation's home page)."""

    template_name = "reports/home.html"

    def get_context_data(self, **kwargs):
        data = selectors.dashboard(user=self.request.user)
        empty = _("No data yet.")
        charts = {
            "pipeline": hbar_chart(
                title=_("Pipeline by stage"),
                rows=[
                    (_("Stage %(stage)s") % {"stage": row["stage"]}, row["estimated_value"])
                    for row in data["pipeline"]
                ],
                empty=empty,
            ),
            "forecast": column_chart(
                title=_("Weighted forecast by month"),
                rows=[
                    (formats.date_format(row["month"], "M y"), row["weighted_value"] or 0)
                    for row in data["forecast"]
                ],
                empty=empty,
            ),
            "interactions": column_chart(
                title=_("Interactions per week"),
                rows=[
                    (formats.date_format(row["week"], "MONTH_DAY_FORMAT"), row["count"])
                    for row in data["interactions_per_week"]
                ],
                empty=empty,
            ),
        }
        return {**super().get_context_data(**kwargs), **data, "charts": charts}


class ReportIndexView(LoginRequiredMixin, TemplateView):
    template_name = "reports/index.html"


class ContactStatisticsView(PermissionRequiredMixin, TemplateView):
    """The contact card's statistics panel (SPEC 10.2), loaded with hx-get."""

    permission_required = "contacts.view_contact"
    template_name = "reports/contact_statistics.html"

    def get_context_data(self, **kwargs):
        contact = contact_get(user=self.request.user, pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "contact": contact,
            "statistics": selectors.contact_statistics(contact=contact),
        }


class _DatedStatisticsView(PermissionRequiredMixin, TemplateView):
    form_class = DateRangeForm

    def filters(self):
        self.form = self.form_class(self.request.GET or None)
        return self.form.filters()

    def get_context_data(self, **kwargs):
        filters = self.filters()
        return {
            **super().get_context_data(**kwargs),
            "form": self.form,
            "rows": self.rows(filters),
        }


class SalespersonStatisticsView(_DatedStatisticsView):
    """SPEC 10.3 for every salesperson."""

    permission_required = "setup.view_salesperson"
    template_name = "reports/salesperson_statistics.html"

    def rows(self, filters):
        return selectors.salesperson_statistics(
            date_from=filters.get("date_from"), date_to=filters.get("date_to")
        )


class TeamStatisticsView(_DatedStatisticsView):
    permission_required = "setup.view_team"
    template_name = "reports/team_statistics.html"

    def rows(self, filters):
        return selectors.team_statistics(
            date_from=filters.get("date_from"), date_to=filters.get("date_to")
        )


class InteractionStatisticsView(_DatedStatisticsView):
    """SPEC 10.7 per interaction group or template."""

    permission_required = "interactions.view_interactionlogentry"
    template_name = "reports/interaction_statistics.html"

    def get(self, request, *args, **kwargs):
        if kwargs["dimension"] not in {"group", "template"}:
            raise Http404
        return super().get(request, *args, **kwargs)

    def rows(self, filters):
        return selectors.interaction_dimension_statistics(
            dimension=self.kwargs["dimension"],
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
