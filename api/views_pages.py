"""Pages of the api app: *Setup → Sales history import* (upload → mapping → dry run →
confirm → job) and *My API token*."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseStopPolling

from contacts.import_flow import ImportConfirmStepView, ImportMappingStepView, ImportUploadStepView

from .forms import (
    ApiUserTokenForm,
    SalesHistoryConfirmForm,
    SalesHistoryMappingForm,
    SalesHistoryUploadForm,
)
from .sales_history_import import (
    IMPORT_KEY_RULE,
    mapping_guess,
    sales_history_import_preview,
    sales_history_import_start,
)
from .selectors import api_user_token_list, sales_history_import_job_get, sales_history_import_jobs
from .services import api_user_token_create, api_user_token_revoke

SESSION_KEY = "sales_history_import"
PREVIEW_ERRORS = 200
IMPORT_PERMISSION = "api.import_sales_history"


def _job_get(pk: int, user):
    try:
        return sales_history_import_job_get(pk=pk, user=user)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


class SalesHistoryImportStepMixin(PermissionRequiredMixin):
    permission_required = IMPORT_PERMISSION
    session_key = SESSION_KEY
    upload_url = "api:sales-history-import"
    mapping_url = "api:sales-history-import-mapping"


class SalesHistoryImportUploadView(SalesHistoryImportStepMixin, ImportUploadStepView):
    template_name = "api/sales_history_import_upload.html"
    form_class = SalesHistoryUploadForm

    def upload_context(self, request, form, *, failed):
        return {"jobs": sales_history_import_jobs(user=request.user), "key_rule": IMPORT_KEY_RULE}


class SalesHistoryImportMappingView(SalesHistoryImportStepMixin, ImportMappingStepView):
    """Column mapping; POST runs the dry run and shows the preview."""

    template_name = "api/sales_history_import_mapping.html"
    preview_template_name = "api/sales_history_import_preview.html"

    def mapping_form(self, request, *, headers, state, data=None):
        if data is not None:
            return SalesHistoryMappingForm(data, headers=headers)
        return SalesHistoryMappingForm(
            headers=headers, initial_mapping=state.get("mapping") or mapping_guess(headers)
        )

    def preview_context(self, request, *, state):
        preview = sales_history_import_preview(path=state["path"], mapping=state["mapping"])
        return {
            "preview": preview,
            "errors": preview.errors[:PREVIEW_ERRORS],
            "form": SalesHistoryConfirmForm(),
            "key_rule": IMPORT_KEY_RULE,
        }


class SalesHistoryImportConfirmView(SalesHistoryImportStepMixin, ImportConfirmStepView):
    form_class = SalesHistoryConfirmForm
    job_url = "api:sales-history-import-job"

    def start(self, request, *, state, skip_rejected):
        return sales_history_import_start(
            path=state["path"],
            mapping=state["mapping"],
            skip_rejected=skip_rejected,
            user=request.user,
        )


class SalesHistoryImportJobView(PermissionRequiredMixin, View):
    permission_required = IMPORT_PERMISSION

    def get(self, request, pk):
        job = _job_get(pk, request.user)
        return render(
            request,
            "api/sales_history_import_job.html",
            {"job": job, "poll_url": reverse("api:sales-history-import-progress", args=[pk])},
        )


class SalesHistoryImportProgressView(PermissionRequiredMixin, View):
    """Polled progress partial; 286 stops polling once the job is finished."""

    permission_required = IMPORT_PERMISSION

    def get(self, request, pk):
        job = _job_get(pk, request.user)
        response = render(
            request,
            "partials/job_progress.html",
            {
                "job": job,
                "poll_url": reverse("api:sales-history-import-progress", args=[pk]),
                "job_title": _("Sales history import"),
            },
        )
        if job.is_finished:
            return HttpResponseStopPolling(response.content)
        return response


class ApiUserTokenListView(View):
    """*My API token*: the user's own tokens; a new token is shown once, in this response."""

    template_name = "api/api_user_token_list.html"

    def _render(self, request, form, token: str = ""):
        return render(
            request,
            self.template_name,
            {"form": form, "tokens": api_user_token_list(user=request.user), "new_token": token},
        )

    def get(self, request):
        return self._render(request, ApiUserTokenForm())

    def post(self, request):
        form = ApiUserTokenForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        try:
            _row, token = api_user_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
            return self._render(request, form)
        response = self._render(request, ApiUserTokenForm(), token)
        response["Cache-Control"] = "no-store"
        return response


class ApiUserTokenRevokeView(View):
    def post(self, request, pk):
        try:
            row = api_user_token_revoke(user=request.user, token_id=pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        messages.success(
            request, _("Token %(prefix)s… was revoked.") % {"prefix": row.token_prefix}
        )
        return redirect("api:token-list")


urlpatterns = [
    path(
        "setup/sales-history-import/",
        SalesHistoryImportUploadView.as_view(),
        name="sales-history-import",
    ),
    path(
        "setup/sales-history-import/mapping/",
        SalesHistoryImportMappingView.as_view(),
        name="sales-history-import-mapping",
    ),
    path(
        "setup/sales-history-import/confirm/",
        SalesHistoryImportConfirmView.as_view(),
        name="sales-history-import-confirm",
    ),
    path(
        "setup/sales-history-import/jobs/<int:pk>/",
        SalesHistoryImportJobView.as_view(),
        name="sales-history-import-job",
    ),
    path(
        "setup/sales-history-import/jobs/<int:pk>/progress/",
        SalesHistoryImportProgressView.as_view(),
        name="sales-history-import-progress",
    ),
    path("tokens/", ApiUserTokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", ApiUserTokenRevokeView.as_view(), name="token-revoke"),
]
