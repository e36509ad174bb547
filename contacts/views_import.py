"""CSV and vCard import (upload → mapping → dry-run preview → confirm → job), business-system
import, CSV and vCard export."""

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

from .exports import contact_vcard, contacts_csv_rows, contacts_vcard_stream
from .forms_extra import ImportConfirmForm, ImportMappingForm, ImportUploadForm
from .import_flow import (
    ImportConfirmStepView,
    ImportMappingStepView,
    ImportUploadStepView,
    upload_errors,
)
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
    import_file_store,
    mapping_guess,
)
from .models import Contact
from .selectors import contact_get, contact_list

SESSION_KEY = "contact_import"
PREVIEW_ROWS = 200


def _header_labels(path: str) -> dict:
    """A vCard file is read as columns named after import fields: show their labels."""
    return IMPORT_FIELDS if path.endswith(VCARD_TABLE_SUFFIX) else {}


class ContactImportStepMixin(PermissionRequiredMixin):
    permission_required = "contacts.add_contact"
    session_key = SESSION_KEY
    upload_url = "contacts:contact-import"
    mapping_url = "contacts:contact-import-mapping"


class ContactImportUploadView(ContactImportStepMixin, ImportUploadStepView):
    template_name = "contacts/import_upload.html"
    form_class = ImportUploadForm

    def upload_context(self, request, form, *, failed):
        jobs = [] if failed else BulkJob.objects.filter(kind=CSV_JOB_KIND, started_by=request.user)
        return {"jobs": jobs[:5], "match_rule": MATCH_RULE}


class ContactImportMappingView(ContactImportStepMixin, ImportMappingStepView):
    """Column mapping; POST runs the dry run and shows the preview."""

    template_name = "contacts/import_mapping.html"
    preview_template_name = "contacts/import_preview.html"

    def mapping_form(self, request, *, headers, state, data=None):
        labels = _header_labels(state["path"])
        if data is not None:
            return ImportMappingForm(data, headers=headers, header_labels=labels)
        return ImportMappingForm(
            headers=headers,
            header_labels=labels,
            initial_mapping=state.get("mapping") or mapping_guess(headers),
            initial={"default_type": state.get("default_type") or ContactType.COMPANY},
        )

    def mapped_state(self, form):
        return {"mapping": form.mapping(), "default_type": form.cleaned_data["default_type"]}

    def preview_context(self, request, *, state):
        preview = contact_import_preview(
            path=state["path"], mapping=state["mapping"], default_type=state["default_type"]
        )
        return {
            "preview": preview,
            "rejected": preview.rejected[:PREVIEW_ROWS],
            "warned": preview.warned[:PREVIEW_ROWS],
            "form": ImportConfirmForm(),
            "match_rule": MATCH_RULE,
        }


class ContactImportConfirmView(ContactImportStepMixin, ImportConfirmStepView):
    form_class = ImportConfirmForm
    job_url = "contacts:contact-import-job"

    def start(self, request, *, state, skip_rejected):
        return contact_import_csv_start(
            path=state["path"],
            mapping=state["mapping"],
            skip_rejected=skip_rejected,
            user=request.user,
            default_type=state.get("default_type") or ContactType.COMPANY,
        )


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
                upload_errors(form, exc)
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
