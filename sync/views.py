"""Setup → External CRM (SPEC 13.4): connection, mappings, full synchronisation, errors, log."""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseStopPolling

from .defaults import mappings_reset_to_defaults
from .engine import dependency_order
from .forms import ConnectionForm, FieldMappingForm, MappingForm, SyncChoiceForm
from .models import (
    ExternalCrmConnection,
    SyncCoupling,
    SyncFieldMapping,
    SyncJob,
    SyncJobKind,
    SyncResult,
    SyncTableMapping,
)
from .services import (
    connection_enable,
    connection_save,
    connection_test,
    coupling_retry,
    full_sync_finish,
    log_purge,
)
from .tasks import sync_all_task, sync_mapping_run, sync_record_push

PAGE = 50


class AdminOnly(PermissionRequiredMixin):
    permission_required = "sync.change_externalcrmconnection"


def _failed_couplings():
    return SyncCoupling.objects.filter(
        last_local_result=SyncResult.FAILURE
    ) | SyncCoupling.objects.filter(last_remote_result=SyncResult.FAILURE)


class ConnectionView(AdminOnly, View):
    template_name = "sync/connection.html"

    def context(self, form):
        return {
            "form": form,
            "connection": ExternalCrmConnection.load(),
            "mappings": SyncTableMapping.objects.all(),
            "failed_count": _failed_couplings().count(),
        }

    def get(self, request):
        form = ConnectionForm(instance=ExternalCrmConnection.load())
        return TemplateResponse(request, self.template_name, self.context(form))

    def post(self, request):
        action = request.POST.get("action", "save")
        connection = ExternalCrmConnection.load()
        if action in ("save", "test"):
            form = ConnectionForm(request.POST, instance=connection)
            if not form.is_valid():
                return TemplateResponse(request, self.template_name, self.context(form))
            data = {**form.cleaned_data}
            try:
                connection = connection_save(data=data)
            except ValidationError as exc:
                form.add_error(None, exc)
                return TemplateResponse(request, self.template_name, self.context(form))
            if action == "test":
                ok, message = connection_test(connection=connection)
                (messages.success if ok else messages.error)(request, message)
            else:
                messages.success(request, _("Connection saved."))
        elif action in ("enable", "disable"):
            try:
                connection_enable(enabled=action == "enable")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("The external CRM sync is enabled.")
                    if action == "enable"
                    else _("The external CRM sync is disabled."),
                )
        elif action == "sync_all":
            sync_all_task.delay(False, request.user.pk)
            messages.info(request, _("Synchronisation of every mapping started."))
        return redirect("sync:connection")


class ResetView(AdminOnly, View):
    def get(self, request):
        return TemplateResponse(request, "sync/reset_confirm.html", {})

    def post(self, request):
        mappings_reset_to_defaults()
        messages.success(request, _("The default mappings were recreated."))
        return redirect("sync:connection")


class FullSyncView(AdminOnly, View):
    """SYN-10: confirmation, then a progress page per mapping."""

    def get(self, request):
        return TemplateResponse(
            request,
            "sync/full_sync_confirm.html",
            {"mappings": dependency_order(list(SyncTableMapping.objects.filter(is_enabled=True)))},
        )

    def post(self, request):
        if not ExternalCrmConnection.load().is_enabled:
            messages.error(request, _("Enable the external CRM sync first."))
            return redirect("sync:connection")
        group = uuid.uuid4().hex
        mappings = dependency_order(list(SyncTableMapping.objects.filter(is_enabled=True)))
        job_ids = {}
        with transaction.atomic():
            for mapping in mappings:
                job = SyncJob.objects.create(
                    mapping=mapping,
                    kind=SyncJobKind.FULL_SYNC,
                    direction=mapping.direction,
                    user=request.user,
                    run_group=group,
                )
                job_ids[str(mapping.pk)] = job.pk
            SyncTableMapping.objects.filter(pk__in=[m.pk for m in mappings]).update(
                is_full_sync_running=True
            )
            transaction.on_commit(lambda: sync_all_task.delay(True, request.user.pk, job_ids))
        return redirect("sync:full-sync-progress", group=group)


class FullSyncProgressView(AdminOnly, View):
    def get(self, request, group):
        jobs = list(SyncJob.objects.filter(run_group=group).select_related("mapping"))
        if not jobs:
            return redirect("sync:connection")
        done = sum(1 for j in jobs if j.is_finished)
        context = {
            "jobs": sorted(jobs, key=lambda j: j.pk),
            "group": group,
            "done": done,
            "total": len(jobs),
            "percent": round(100 * done / len(jobs)),
            "finished": done == len(jobs),
        }
        if request.htmx:
            response = TemplateResponse(request, "sync/full_sync_progress_part.html", context)
            if context["finished"]:
                response.status_code = HttpResponseStopPolling.status_code
            return response
        return TemplateResponse(request, "sync/full_sync_progress.html", context)

    def post(self, request, group):
        keep = request.POST.get("keep_creating") == "yes"
        full_sync_finish(keep_creating=keep)
        messages.success(
            request,
            _("Scheduled runs will keep creating records on both sides.")
            if keep
            else _("Scheduled runs will only synchronise coupled records."),
        )
        return redirect("sync:connection")


class MappingDetailView(AdminOnly, View):
    def get_mapping(self, pk):
        return get_object_or_404(SyncTableMapping, pk=pk)

    def render(self, request, mapping, form):
        return TemplateResponse(
            request,
            "sync/mapping_detail.html",
            {
                "mapping": mapping,
                "form": form,
                "fields": mapping.fields.select_related("transformation"),
                "couplings": mapping.couplings.count(),
            },
        )

    def get(self, request, pk):
        mapping = self.get_mapping(pk)
        return self.render(request, mapping, MappingForm(instance=mapping))

    def post(self, request, pk):
        mapping = self.get_mapping(pk)
        if request.POST.get("action") == "run":
            job = SyncJob.objects.create(
                mapping=mapping,
                kind=SyncJobKind.SYNCHRONIZATION,
                direction=mapping.direction,
                user=request.user,
            )
            transaction.on_commit(lambda: sync_mapping_run.delay(mapping.pk, job.pk))
            messages.info(request, _("Synchronisation of %(name)s started.") % {"name": mapping})
            return redirect("sync:job-detail", pk=job.pk)
        form = MappingForm(request.POST, instance=mapping)
        if not form.is_valid():
            return self.render(request, mapping, form)
        form.save()
        messages.success(request, _("Mapping saved."))
        return redirect("sync:mapping-detail", pk=mapping.pk)


class FieldMappingEditView(AdminOnly, View):
    def get(self, request, pk):
        field = get_object_or_404(SyncFieldMapping, pk=pk)
        return TemplateResponse(
            request,
            "sync/field_form.html",
            {"field": field, "form": FieldMappingForm(instance=field)},
        )

    def post(self, request, pk):
        field = get_object_or_404(SyncFieldMapping, pk=pk)
        form = FieldMappingForm(request.POST, instance=field)
        if not form.is_valid():
            return TemplateResponse(request, "sync/field_form.html", {"field": field, "form": form})
        form.save()
        messages.success(request, _("Field mapping saved."))
        return redirect("sync:mapping-detail", pk=field.mapping_id)


class ErrorsView(AdminOnly, View):
    """SYN-15: couplings whose last result is a failure."""

    def get(self, request):
        couplings = _failed_couplings().select_related("mapping").order_by("-updated_at", "-pk")
        page = Paginator(couplings, PAGE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "sync/errors.html",
            {"page_obj": page, "choice_form": SyncChoiceForm()},
        )

    def post(self, request):
        action = request.POST.get("action")
        ids = [int(i) for i in request.POST.getlist("coupling") if i.isdigit()]
        selected = SyncCoupling.objects.filter(pk__in=ids)
        if action == "retry_all":
            count = coupling_retry(couplings=_failed_couplings())
            messages.success(
                request, _("%(count)s records will be retried on the next run.") % {"count": count}
            )
        elif not ids:
            messages.error(request, _("Select at least one record."))
        elif action == "retry":
            coupling_retry(couplings=selected)
            messages.success(request, _("The selected records will be retried on the next run."))
        elif action == "remove":
            count, _detail = selected.delete()
            messages.success(request, _("%(count)s couplings removed.") % {"count": count})
        elif action == "sync":
            form = SyncChoiceForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose which side wins."))
            else:
                by_mapping: dict[int, list[int]] = {}
                for coupling in selected:
                    by_mapping.setdefault(coupling.mapping_id, []).append(coupling.local_id)
                for mapping_id, local_ids in by_mapping.items():
                    sync_record_push.delay(mapping_id, local_ids, form.cleaned_data["winner"])
                messages.success(request, _("The selected records are being synchronised."))
        return HttpResponseRedirect(reverse("sync:errors"))


class LogView(AdminOnly, View):
    def get(self, request):
        jobs = SyncJob.objects.select_related("mapping").order_by("-created_at", "-pk")
        page = Paginator(jobs, PAGE).get_page(request.GET.get("page"))
        return TemplateResponse(request, "sync/log.html", {"page_obj": page})

    def post(self, request):
        days = None if request.POST.get("scope") == "all" else 7
        count = log_purge(older_than_days=days)
        messages.success(request, _("%(count)s log entries purged.") % {"count": count})
        return redirect("sync:log")


class JobDetailView(AdminOnly, View):
    def get(self, request, pk):
        job = get_object_or_404(SyncJob.objects.select_related("mapping"), pk=pk)
        errors = Paginator(job.errors.order_by("pk"), PAGE).get_page(request.GET.get("page"))
        return TemplateResponse(request, "sync/job_detail.html", {"job": job, "page_obj": errors})
