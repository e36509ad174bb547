"""Setup → External CRM (SPEC 13.4): connection, mappings, full synchronisation, errors, log."""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseStopPolling

from .adapters.base import RemoteError
from .defaults import mappings_reset_to_defaults
from .engine import dependency_order
from .entities import ENTITIES
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
    couple_match,
    coupling_remove,
    coupling_retry,
    coupling_set,
    create_from_remote,
    full_sync_finish,
    log_purge,
)
from .tasks import sync_all_task, sync_mapping_run, sync_record_push
from .views_records import remote_picker_results

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
            with transaction.atomic():
                valid = form.is_valid()
            if not valid:
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
        with transaction.atomic():  # the row is locked while the version is compared
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
        with transaction.atomic():
            valid = form.is_valid()
            if valid:
                form.save()
        if not valid:
            return TemplateResponse(request, "sync/field_form.html", {"field": field, "form": form})
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


class RecordsView(AdminOnly, View):
    """SYN-13/14 per mapping: the local records with their coupling status (coupled / failed /
    not coupled, filterable), and the record actions."""

    def get(self, request, pk):
        mapping = get_object_or_404(SyncTableMapping, pk=pk)
        entity = ENTITIES[mapping.local_entity]
        couplings = SyncCoupling.objects.filter(mapping=mapping, local_id=OuterRef("pk"))
        failed = couplings.filter(
            Q(last_local_result=SyncResult.FAILURE) | Q(last_remote_result=SyncResult.FAILURE)
        )
        qs = entity.queryset().annotate(
            remote_id=Subquery(couplings.values("remote_id")[:1]),
            sync_error=Subquery(failed.values("last_error")[:1]),
            sync_error_source=Subquery(failed.values("last_error_source")[:1]),
        )
        status = request.GET.get("status", "")
        if status == "coupled":
            qs = qs.filter(Exists(couplings))
        elif status == "failed":
            qs = qs.filter(Exists(failed))
        elif status == "not_coupled":
            qs = qs.filter(~Exists(couplings))
        query = (request.GET.get("q") or "").strip()
        if query:
            value = query.upper() if entity.search.startswith("search_name") else query
            qs = qs.filter(**{entity.search: value})
        page = Paginator(qs.order_by("pk"), PAGE).get_page(request.GET.get("page"))
        rows = [(obj, entity.label(obj)) for obj in page.object_list]
        match_fields = mapping.fields.filter(is_enabled=True).order_by("match_priority", "pk")
        return TemplateResponse(
            request,
            "sync/records.html",
            {
                "mapping": mapping,
                "page_obj": page,
                "rows": rows,
                "status": status,
                "q": query,
                "match_fields": match_fields,
                "choice_form": SyncChoiceForm(),
                "bidirectional": mapping.direction == "bidirectional",
            },
        )

    def post(self, request, pk):
        mapping = get_object_or_404(SyncTableMapping, pk=pk)
        ids = [int(i) for i in request.POST.getlist("record") if i.isdigit()]
        action = request.POST.get("action")
        back = HttpResponseRedirect(request.get_full_path())
        if not ids and action != "match_all":
            messages.error(request, _("Select at least one record."))
            return back
        try:
            if action == "sync":
                winner = request.POST.get("winner", "")
                if mapping.direction == "bidirectional" and winner not in ("local", "remote"):
                    messages.error(request, _("Choose which side wins."))
                    return back
                sync_record_push.delay(mapping.pk, ids, winner)
                messages.success(request, _("The selected records are being synchronised."))
            elif action == "remove":
                count = coupling_remove(mapping=mapping, local_ids=ids)
                messages.success(request, _("%(count)s couplings removed.") % {"count": count})
            elif action in ("match", "match_all", "create"):
                fields = [int(f) for f in request.POST.getlist("match_field") if f.isdigit()]
                if action == "create":
                    fields = list(
                        mapping.fields.filter(use_for_matching=True).values_list("pk", flat=True)
                    )
                job = couple_match(
                    mapping=mapping,
                    local_ids=None if action == "match_all" else ids,
                    match_fields=fields,
                    create_new=action == "create" or request.POST.get("create_new") == "1",
                    sync_after=request.POST.get("sync_after") == "1",
                    user=request.user,
                )
                messages.success(
                    request,
                    _("Coupling finished: %(coupled)s coupled, %(failed)s failed.")
                    % {"coupled": job.coupled, "failed": job.failed},
                )
                return redirect("sync:job-detail", pk=job.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except RemoteError as exc:
            messages.error(
                request, _("The external CRM answered with an error: %(error)s") % {"error": exc}
            )
        return back


class RemotePickView(AdminOnly, View):
    """SYN-14 "Set up coupling" (pick a remote record from a searchable list) and "Create
    from external CRM" (a new local record from a remote one)."""

    def get(self, request, pk):
        mapping = get_object_or_404(SyncTableMapping, pk=pk)
        query = (request.GET.get("q") or "").strip()
        return TemplateResponse(
            request,
            "sync/remote_pick.html",
            {**remote_picker_results(mapping, query), "record": request.GET.get("record", "")},
        )

    def post(self, request, pk):
        mapping = get_object_or_404(SyncTableMapping, pk=pk)
        remote_id = request.POST.get("remote_id", "")
        local_id = request.POST.get("record", "")
        try:
            if local_id.isdigit():
                coupling_set(mapping=mapping, local_id=int(local_id), remote_id=remote_id)
                sync_record_push.delay(mapping.pk, [int(local_id)], "remote")
                messages.success(request, _("Coupled."))
            else:
                create_from_remote(mapping=mapping, remote_id=remote_id, user=request.user)
                messages.success(request, _("Created from the external CRM and coupled."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except RemoteError as exc:
            messages.error(
                request, _("The external CRM answered with an error: %(error)s") % {"error": exc}
            )
        return redirect(reverse("sync:records", args=[mapping.pk]))
