"""Company and person summaries, labels, opportunity details (SPEC 10.9): reports of
sections paged in SQL."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import selectors
from reports.forms import (
    ContactLabelForm,
    ContactSummaryReportForm,
    OpportunityDetailsForm,
    SegmentLabelForm,
)
from reports.labels import (
    DEFAULT_LABEL_FORMAT,
    LABEL_FORMATS,
    LABEL_LINES,
    address_block,
    contact_label_queryset,
    contact_label_rows,
    segment_label_queryset,
    segment_label_rows,
)
from reports.tables import cell as _cell
from reports.tables import date_cell as _date
from reports.tables import money_cell as _money
from reports.views.base import PagedReportView
from segments.models import Segment
from setup.models import MarketingSetup


class CompanySummaryReportView(PagedReportView):
    """Company summary: per company its address block and phone, its interactions (its own
    and its persons', date filter) and open tasks."""

    permission_required = "contacts.view_contact"
    grouped = True
    contact_type = "company"
    title = gettext_lazy("Company summary")
    slug = "company-summary"
    form_class = ContactSummaryReportForm
    columns = [
        gettext_lazy("Section"),
        gettext_lazy("Date"),
        gettext_lazy("Code"),
        gettext_lazy("Description"),
        gettext_lazy("Details"),
    ]

    def header(self, contact, block) -> list:
        return [_("Address"), "", contact.number, " · ".join(block), contact.phone]

    def section_queryset(self, filters):
        return selectors.report_summary_contacts(filters=filters, contact_type=self.contact_type)

    def section_rows(self, filters, sections):
        home = MarketingSetup.load().default_country_id
        countries = {}
        summaries = selectors.report_contact_summaries(
            filters=filters, contact_type=self.contact_type, contacts=sections
        )
        for contact, interactions, tasks in summaries:
            if contact.country_id:
                countries[contact.country_id] = contact.country
            group = f"{contact.number} {contact.name}".strip()
            block = address_block(contact, home_country_id=home, countries=countries)
            yield group, [_cell(v) for v in self.header(contact, block)]
            for entry in interactions:
                yield (
                    group,
                    [
                        _("Interaction"),
                        _date(entry.date),
                        entry.template.code if entry.template else "",
                        entry.description,
                        _("Canceled") if entry.is_canceled else "",
                    ],
                )
            for task in tasks:
                details = [task.get_status_display(), task.get_priority_display()]
                if task.salesperson:
                    details.append(task.salesperson.code)
                yield (
                    group,
                    [
                        _("Open task"),
                        _date(task.date),
                        task.get_type_display(),
                        task.description,
                        ", ".join(details),
                    ],
                )


class PersonSummaryReportView(CompanySummaryReportView):
    """Person summary: per person its details, interactions and open tasks."""

    contact_type = "person"
    title = gettext_lazy("Person summary")
    slug = "person-summary"

    def header(self, contact, block) -> list:
        details = [contact.job_title, contact.company_name, contact.phone, contact.mobile_phone]
        details.append(contact.email)
        return [
            _("Details"),
            "",
            contact.number,
            " · ".join(block),
            ", ".join(d for d in details if d),
        ]


class _LabelReportView(PagedReportView):
    """Labels: one row per label (contact no. and the lines of the label); the page lays them
    out in the chosen format's size and column count (SEG-52)."""

    template_name = "reports/labels.html"
    columns = [
        gettext_lazy("Contact no."),
        *[format_lazy("{} {}", gettext_lazy("Line"), n) for n in range(1, LABEL_LINES + 1)],
    ]

    def label_format(self):
        code = self.form.filters().get("label_format") or DEFAULT_LABEL_FORMAT
        return LABEL_FORMATS[code]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        label_format = self.label_format()
        labels = [cells for group in context["groups"] for cells in group["rows"]]
        context.update(
            label_format=label_format,
            sheet_rows=[
                [
                    [line for line in cells[1:] if line]
                    for cells in labels[i : i + label_format.columns]
                ]
                for i in range(0, len(labels), label_format.columns)
            ],
        )
        return context


class ContactLabelReportView(_LabelReportView):
    """Contact labels in a SEG-52 size, with the active alternate address of today."""

    permission_required = "contacts.view_contact"
    title = gettext_lazy("Contact labels")
    slug = "contact-labels"
    form_class = ContactLabelForm

    def section_queryset(self, filters):
        contacts = selectors.report_label_contacts(filters=filters)
        return contact_label_queryset(contacts=contacts, on_date=timezone.localdate())

    def section_rows(self, filters, sections):
        contacts = sections if sections is not None else self.section_queryset(filters)
        for cells in contact_label_rows(contacts=contacts, on_date=timezone.localdate()):
            yield "", cells


class SegmentLabelReportView(_LabelReportView):
    """SEG-52 / R-4: labels of the segment's contacts, with the active alternate address on
    the segment date, in the chosen size and column count."""

    permission_required = "segments.view_segment"
    title = gettext_lazy("Segment labels")
    slug = "segment-labels"
    form_class = SegmentLabelForm

    def dispatch(self, request, *args, **kwargs):
        self.segment = get_object_or_404(Segment, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def section_queryset(self, filters):
        return segment_label_queryset(segment=self.segment)

    def section_rows(self, filters, sections):
        for cells in segment_label_rows(segment=self.segment, lines=sections):
            yield "", cells

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "segment": self.segment}


class OpportunityDetailsReportView(PagedReportView):
    """Opportunity details: per opportunity its entries (stage history), its tasks and the
    tasks the following stages' activities will plan."""

    permission_required = "opportunities.view_opportunity"
    grouped = True
    title = gettext_lazy("Opportunity details")
    slug = "opportunity-details"
    form_class = OpportunityDetailsForm
    columns = [
        gettext_lazy("Section"),
        gettext_lazy("Date"),
        gettext_lazy("Stage / type"),
        gettext_lazy("Description"),
        gettext_lazy("Status"),
        gettext_lazy("Value / salesperson"),
    ]

    def section_queryset(self, filters):
        return selectors.report_detail_opportunities(filters=filters)

    def section_rows(self, filters, sections):
        for opportunity, entries, tasks, planned in selectors.report_opportunity_details(
            filters=filters, opportunities=sections
        ):
            group = " ".join(
                part
                for part in [
                    opportunity.number,
                    opportunity.description,
                    f"({opportunity.contact.name})" if opportunity.contact else "",
                ]
                if part
            )
            for entry in entries:
                action = entry.get_action_taken_display() if entry.action_taken else ""
                if entry.close_code:
                    action = f"{action} ({entry.close_code.code})".strip()
                yield (
                    group,
                    [
                        _("Stage history"),
                        _date(entry.date_of_change),
                        str(entry.stage),
                        action,
                        _("Active") if entry.is_active else "",
                        _money(entry.estimated_value),
                    ],
                )
            for task in tasks:
                yield (
                    group,
                    [
                        _("Task"),
                        _date(task.date),
                        task.get_type_display(),
                        task.description,
                        task.get_status_display(),
                        task.salesperson.code if task.salesperson else "",
                    ],
                )
            for stage, step in planned:
                yield (
                    group,
                    [
                        _("Planned task"),
                        step.date_formula,
                        _("Stage %(stage)s: %(type)s")
                        % {"stage": stage.stage, "type": step.get_type_display()},
                        step.description,
                        step.get_priority_display(),
                        stage.activity.code,
                    ],
                )
