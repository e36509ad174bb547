"""The machinery of the table reports: one table definition gives the HTML page and the CSV
with the same rows (R-1); pages read their rows in SQL pages, the CSV streams every row."""

import itertools

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import EmptyPage
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from contacts.selectors import NoCountPaginator
from crm.csv_export import SafeWriter, download
from reports.forms import (
    DateRangeForm,
)
from reports.tables import Table
from reports.tables import cell as _cell

HTML_ROW_LIMIT = 2000  # a printable page; the CSV carries every row


class TableReportView(PermissionRequiredMixin, TemplateView):
    template_name = "reports/table_report.html"
    title = ""
    form_class = DateRangeForm
    table: type[Table] | None = None  # the columns of the page and of the CSV
    columns: list = []  # headers of a report that builds its cells itself (no table)
    slug = ""
    grouped = False  # rows carry a group (CSV gets a first column)

    def get_columns(self) -> list:
        return self.table.header() if self.table else self.columns

    def queryset(self, filters):
        raise NotImplementedError

    def row(self, obj) -> list:
        return self.table.cells(obj)

    def group(self, obj) -> str:
        return self.table.group(obj) if self.table and self.table.group else ""

    def rows(self, filters):
        for obj in self.queryset(filters):
            yield self.group(obj), [_cell(value) for value in self.row(obj)]

    def get(self, request, *args, **kwargs):
        self.form = self.form_class(request.GET or None)
        filters = self.form.filters()
        if request.GET.get("format") == "csv":
            return self.csv(filters)
        return super().get(request, *args, **kwargs)

    def csv(self, filters):
        writer = SafeWriter()
        header = [str(c) for c in self.get_columns()]
        grouped = self.grouped

        def lines():
            yield writer.writerow(([_("Group")] if grouped else []) + header)
            for group, cells in self.rows(filters):
                yield writer.writerow(([group] if grouped else []) + cells)

        return download(lines(), f"{self.slug}.csv", "text/csv; charset=utf-8")

    def html_rows(self, filters) -> tuple[list, bool]:
        """The rows of the HTML page and whether rows were left out."""
        rows = list(itertools.islice(self.rows(filters), HTML_ROW_LIMIT + 1))
        return rows[:HTML_ROW_LIMIT], len(rows) > HTML_ROW_LIMIT

    def get_context_data(self, **kwargs):
        rows, truncated = self.html_rows(self.form.filters())
        groups: list[dict] = []
        for group, cells in rows:
            if not groups or groups[-1]["name"] != group:
                groups.append({"name": group, "rows": []})
            groups[-1]["rows"].append(cells)
        query = self.request.GET.copy()
        query["format"] = "csv"
        return {
            **super().get_context_data(**kwargs),
            "title": self.title,
            "form": self.form,
            "columns": self.get_columns(),
            "groups": groups,
            "truncated": truncated,
            "row_limit": HTML_ROW_LIMIT,
            "csv_query": query.urlencode(),
        }


class PagedReportView(TableReportView):
    """A report of sections (a contact, an opportunity, a label) paged in SQL: the HTML page
    reads ``page_size`` sections with LIMIT/OFFSET over the section queryset (no COUNT, a
    deferred join on deep pages) and the rows of those sections only; the CSV streams every
    section in the selector's chunks."""

    page_size = 100

    def section_queryset(self, filters) -> QuerySet:
        """The ordered sections (one row each), paged for the HTML page."""
        raise NotImplementedError

    def section_rows(self, filters, sections: list | None):
        """(group, cells) rows of ``sections`` (a page), or of every section when None."""
        raise NotImplementedError

    def rows(self, filters):
        return self.section_rows(filters, None)

    def html_rows(self, filters) -> tuple[list, bool]:
        paginator = NoCountPaginator(self.section_queryset(filters), self.page_size)
        try:
            self.page_obj = paginator.page(self.request.GET.get("page") or 1)
        except EmptyPage:
            self.page_obj = paginator.page(1)
        return list(self.section_rows(filters, list(self.page_obj.object_list))), False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_obj"] = self.page_obj
        return context


class RowPagedReportView(PagedReportView):
    """A report of one row per object of ``queryset``, paged in SQL like the section reports;
    the CSV iterates the whole queryset in chunks."""

    def section_queryset(self, filters):
        return self.queryset(filters)

    def section_rows(self, filters, sections):
        objects = sections
        if objects is None:
            objects = self.queryset(filters).iterator(chunk_size=2000)
        for obj in objects:
            yield self.group(obj), [_cell(value) for value in self.row(obj)]
