"""*Setup → E-mail logging* (SPEC 11.3): the setup form with Test connection and
Enable/Disable, and the sync log with *Sync now*."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django_filters.views import FilterView

from crm.exceptions import ApplicationError

from .filters import EmailLogMessageFilterSet
from .forms import EmailLoggingSetupForm
from .selectors import email_log_message_list, email_logging_setup_get
from .services import (
    email_logging_enable,
    email_logging_setup_update,
    email_logging_sync_request,
    email_logging_test_connection,
)

CHANGE_PERMISSION = "maillog.change_emailloggingsetup"


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class EmailLoggingSetupView(PermissionRequiredMixin, View):
    permission_required = CHANGE_PERMISSION
    template_name = "maillog/email_logging_setup_form.html"

    def _render(self, request, form, setup):
        return render(request, self.template_name, {"form": form, "setup": setup})

    def get(self, request):
        setup = email_logging_setup_get()
        return self._render(request, EmailLoggingSetupForm(instance=setup), setup)

    def post(self, request):
        setup = email_logging_setup_get()
        form = EmailLoggingSetupForm(request.POST, instance=email_logging_setup_get())
        if not form.is_valid():
            return self._render(request, form, setup)
        was_enabled = setup.is_enabled
        try:
            saved = email_logging_setup_update(
                data=form.setup_data(), password=form.cleaned_data["password"] or None
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self._render(request, form, setup)
        messages.success(request, _("The e-mail logging setup was saved."))
        if was_enabled and not saved.is_enabled:
            messages.warning(
                request,
                _(
                    "A connection setting changed: e-mail logging is disabled until the "
                    "connection is tested and logging enabled again."
                ),
            )
        return redirect("maillog:setup")


class EmailLoggingTestConnectionView(PermissionRequiredMixin, View):
    permission_required = CHANGE_PERMISSION

    def post(self, request):
        ok, message = email_logging_test_connection()
        if ok:
            messages.success(request, message)
        else:
            messages.error(request, _("Connection failed: %(error)s") % {"error": message})
        return redirect("maillog:setup")


class EmailLoggingEnableView(PermissionRequiredMixin, View):
    """POST with ``enabled=1`` enables (EML-1 checks), otherwise disables."""

    permission_required = CHANGE_PERMISSION

    def post(self, request):
        enabled = request.POST.get("enabled") == "1"
        try:
            email_logging_enable(enabled=enabled)
        except ValidationError as exc:
            messages.error(
                request,
                _("E-mail logging cannot be enabled: %(reasons)s") % {"reasons": _error_text(exc)},
            )
        else:
            messages.success(
                request,
                _("E-mail logging is enabled.") if enabled else _("E-mail logging is disabled."),
            )
        return redirect("maillog:setup")


class EmailLogSyncLogView(PermissionRequiredMixin, FilterView):
    """Last run, last error and counts, and the register of processed messages."""

    permission_required = "maillog.view_emaillogmessage"
    filterset_class = EmailLogMessageFilterSet
    paginate_by = 50
    template_name = "maillog/sync_log.html"

    def get_queryset(self):
        return email_log_message_list()

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#results"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["setup"] = email_logging_setup_get()
        return context


class EmailLoggingSyncNowView(PermissionRequiredMixin, View):
    permission_required = CHANGE_PERMISSION

    def post(self, request):
        try:
            email_logging_sync_request()
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("A sync run was started; reload this page to see its result."),
            )
        return redirect("maillog:sync-log")
