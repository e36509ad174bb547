"""The steps every CSV import page shares: upload → column mapping → dry run → confirm → job.

The contacts import (``contacts.views_import``) and the sales history import
(``api.views_pages``) differ only in their forms, templates, URL names and services; the
session state, the redirects and the error handling are written once here. A concrete step
view sets the class attributes and fills the hooks (``upload_context``, ``mapping_form``,
``mapped_state``, ``preview_context``, ``start``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from crm.exceptions import ApplicationError

from .imports import import_file_read, import_file_store

SAMPLE_ROWS = 5


def upload_errors(form, exc: ValidationError) -> None:
    """A storage check's errors on the upload form (by field, else on the form)."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"file": exc.error_list}
    for name, errors in by_field.items():
        form.add_error(name if name in form.fields else None, errors)


class ImportStepMixin:
    """The import's state in the session: ``{"path": …, "mapping": …, …}``."""

    session_key: str
    upload_url: str  # URL name of the first step, where a lost state starts again

    def import_state(self, request, *, mapped: bool = False) -> dict | None:
        state = request.session.get(self.session_key) or {}
        if not state.get("path") or (mapped and not state.get("mapping")):
            return None
        return state

    def import_state_save(self, request, state: dict) -> None:
        request.session[self.session_key] = state

    def restart(self):
        return redirect(self.upload_url)


class ImportUploadStepView(ImportStepMixin, View):
    template_name: str
    form_class: type
    mapping_url: str

    def upload_context(self, request, form, *, failed: bool) -> dict:
        return {}

    def render_upload(self, request, form, *, failed: bool = False):
        context = {"form": form, **self.upload_context(request, form, failed=failed)}
        return render(request, self.template_name, context)

    def get(self, request):
        return self.render_upload(request, self.form_class())

    def post(self, request):
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                path = import_file_store(uploaded_file=form.cleaned_data["file"])
            except ValidationError as exc:
                upload_errors(form, exc)
            else:
                self.import_state_save(request, {"path": path})
                return redirect(self.mapping_url)
        return self.render_upload(request, form, failed=True)


class ImportMappingStepView(ImportStepMixin, View):
    """Column mapping; POST runs the dry run and shows the preview."""

    template_name: str
    preview_template_name: str

    def mapping_form(self, request, *, headers: list[str], state: dict, data=None):
        raise NotImplementedError

    def mapped_state(self, form) -> dict:
        """What the valid form adds to the session state (at least ``mapping``)."""
        return {"mapping": form.mapping()}

    def preview_context(self, request, *, state: dict) -> dict:
        raise NotImplementedError

    def render_mapping(self, request, form, headers, rows):
        context = {"form": form, "headers": headers, "sample": rows[:SAMPLE_ROWS]}
        return render(request, self.template_name, context)

    def get(self, request):
        state = self.import_state(request)
        if state is None:
            return self.restart()
        headers, rows = import_file_read(path=state["path"])
        form = self.mapping_form(request, headers=headers, state=state)
        return self.render_mapping(request, form, headers, rows)

    def post(self, request):
        state = self.import_state(request)
        if state is None:
            return self.restart()
        headers, rows = import_file_read(path=state["path"])
        form = self.mapping_form(request, headers=headers, state=state, data=request.POST)
        if not form.is_valid():
            return self.render_mapping(request, form, headers, rows)
        state = {**state, **self.mapped_state(form)}
        self.import_state_save(request, state)
        context = self.preview_context(request, state=state)
        return render(request, self.preview_template_name, context)


class ImportConfirmStepView(ImportStepMixin, View):
    form_class: type
    mapping_url: str
    job_url: str

    def start(self, request, *, state: dict, skip_rejected: bool):
        """Start the import job (a service call); return the job."""
        raise NotImplementedError

    def post(self, request):
        state = self.import_state(request, mapped=True)
        if state is None:
            return self.restart()
        form = self.form_class(request.POST)
        form.is_valid()
        try:
            job = self.start(
                request, state=state, skip_rejected=form.cleaned_data.get("skip_rejected", False)
            )
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect(self.mapping_url)
        request.session.pop(self.session_key, None)
        return redirect(self.job_url, pk=job.pk)
