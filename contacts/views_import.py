"""CSV and vCard import (upload → mapping → dry-run preview → confirm → job), business-system
import, CSV and vCard export."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.csv_export import download
from crm.exceptions import ApplicationError
from crm.models import BulkJob
from crm.selectors import bulk_jobs_visible
from setup.models import ContactType

from .forms_extra import ImportConfirmForm, ImportMappingForm, ImportUploadForm
from .imports import (
    BS_COLUMNS,
    BS_JOB_KIND,
    CSV_JOB_KIND,
    IMPORT_FIELDS,
    MATCH_RULE,
    VCARD_TABLE_SUFFIX,
    business_system_records_read,
    contact_import_csv_start,
    contact_import_from_business_system_start,
    contact_import_preview,
    contact_vcard,
    contacts_csv_rows,
    contacts_vcard_stream,
    import_file_read,
    import_file_store,
    mapping_guess,
)
from .models import Contact
from .selectors import contact_get, contact_list

SESSION_KEY = "contact_import"
PREVIEW_ROWS = 200


def _upload_errors(form, exc: ValidationError) -> None:
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"file": exc.error_list}
    for name, errors in by_field.items():
        form.add_error(name if name in form.fields else None, errors)


class ContactImportUploadView(PermissionRequiredMixin, View):
    permission_required = "contacts.add_contact"
    template_name = "contacts/import_upload.html"

    def get(self, request):
        jobs = BulkJob.objects.filter(kind=CSV_JOB_KIND, started_by=request.user)[:5]
        return render(
            request,
            self.template_name,
            {"form": ImportUploadForm(), "jobs": jobs, "match_rule": MATCH_RULE},
        )

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                path = import_file_store(uploaded_file=form.cleaned_data["file"])
            except ValidationError as exc:
                _upload_errors(form, exc)
            else:
                request.session[SESSION_KEY] = {"path": path}
                return redirect("contacts:contact-import-mapping")
        return render(
            request, self.template_name, {"form": form, "jobs": [], "match_rule": MATCH_RULE}
        )


def _header_labels(path: str) -> dict:
    """A vCard file is read as columns named after import fields: show their labels."""
    return IMPORT_FIELDS if path.endswith(VCARD_TABLE_SUFFIX) else {}


def _state(request):
    state = request.session.get(SESSION_KEY) or {}
    return state if state.get("path") else None


class ContactImportMappingView(PermissionRequiredMixin, View):
    """Column mapping; POST runs the dry run and shows the preview."""

    permission_required = "contacts.add_contact"
    template_name = "contacts/import_mapping.html"

    def get(self, request):
        state = _state(request)
        if state is None:
            return redirect("contacts:contact-import")
        headers, rows = import_file_read(path=state["path"])
        form = ImportMappingForm(
            headers=headers,
            header_labels=_header_labels(state["path"]),
            initial_mapping=state.get("mapping") or mapping_guess(headers),
            initial={"default_type": state.get("default_type") or ContactType.COMPANY},
        )
        return render(
            request, self.template_name, {"form": form, "sample": rows[:5], "headers": headers}
        )

    def post(self, request):
        state = _state(request)
        if state is None:
            return redirect("contacts:contact-import")
        headers, rows = import_file_read(path=state["path"])
        form = ImportMappingForm(
            request.POST, headers=headers, header_labels=_header_labels(state["path"])
        )
        if not form.is_valid():
            return render(
                request, self.template_name, {"form": form, "sample": rows[:5], "headers": headers}
            )
        mapping = form.mapping()
        default_type = form.cleaned_data["default_type"]
        request.session[SESSION_KEY] = {**state, "mapping": mapping, "default_type": default_type}
        preview = contact_import_preview(
            path=state["path"], mapping=mapping, default_type=default_type
        )
        return render(
            request,
            "contacts/import_preview.html",
            {
                "preview": preview,
                "rejected": preview.rejected[:PREVIEW_ROWS],
                "warned": preview.warned[:PREVIEW_ROWS],
                "form": ImportConfirmForm(),
                "match_rule": MATCH_RULE,
            },
        )


class ContactImportConfirmView(PermissionRequiredMixin, View):
    permission_required = "contacts.add_contact"

    def post(self, request):
        state = _state(request)
        if state is None or not state.get("mapping"):
            return redirect("contacts:contact-import")
        form = ImportConfirmForm(request.POST)
        form.is_valid()
        try:
            job = contact_import_csv_start(
                path=state["path"],
                mapping=state["mapping"],
                skip_rejected=form.cleaned_data.get("skip_rejected", False),
                user=request.user,
                default_type=state.get("default_type") or ContactType.COMPANY,
            )
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect("contacts:contact-import-mapping")
        request.session.pop(SESSION_KEY, None)
        return redirect("contacts:contact-import-job", pk=job.pk)


class ContactImportJobView(PermissionRequiredMixin, View):
    permission_required = "contacts.add_contact"

    def get(self, request, pk):
        job = get_object_or_404(
            bulk_jobs_visible(user=request.user), pk=pk, kind__in=[CSV_JOB_KIND, BS_JOB_KIND]
        )
        return render(request, "contacts/import_job.html", {"job": job})


class ContactImportBusinessSystemView(PermissionRequiredMixin, View):
    """CON-58: *Contacts → Import from business system* (CSV with fixed columns)."""

    permission_required = "contacts.add_contact"
    template_name = "contacts/import_business_system.html"

    def get(self, request):
        return render(
            request, self.template_name, {"form": ImportUploadForm(), "columns": BS_COLUMNS}
        )

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                if not form.cleaned_data["file"].name.lower().endswith(".csv"):
                    raise ValidationError({"file": _("Upload a .csv file.")})
                path = import_file_store(uploaded_file=form.cleaned_data["file"])
                job = contact_import_from_business_system_start(
                    records=business_system_records_read(path=path), user=request.user
                )
            except ValidationError as exc:
                _upload_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("contacts:contact-import-job", pk=job.pk)
        return render(request, self.template_name, {"form": form, "columns": BS_COLUMNS})


def _filtered(request):
    """The list's queryset under its current GET filters (same FilterSet as the list)."""
    from .filters import ContactFilterSet

    filtered = ContactFilterSet(request.GET, queryset=contact_list(user=request.user)).qs
    return Contact.objects.filter(pk__in=filtered.values("pk"))


class ContactExportCsvView(PermissionRequiredMixin, View):
    permission_required = "contacts.view_contact"

    def get(self, request):
        return download(
            contacts_csv_rows(_filtered(request)), "contacts.csv", "text/csv; charset=utf-8"
        )


class ContactListVcardView(PermissionRequiredMixin, View):
    permission_required = "contacts.view_contact"

    def get(self, request):
        return download(
            contacts_vcard_stream(_filtered(request)), "contacts.vcf", "text/vcard; charset=utf-8"
        )


class ContactVcardView(PermissionRequiredMixin, View):
    permission_required = "contacts.view_contact"

    def get(self, request, pk):
        contact = contact_get(user=request.user, pk=pk)
        response = HttpResponse(contact_vcard(contact), content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{contact.number}.vcf"'
        return response
