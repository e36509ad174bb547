"""Coupling on the contact and opportunity pages (SYN-13, SYN-14): the card's coupling panel,
the remote record picker, "Create from external CRM" and match-based coupling from the lists.

For holders of ``COUPLING_PERMISSION`` while the external CRM is enabled (404 otherwise).
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseStopPolling

from .adapters.base import RemoteError
from .adapters.tryton import adapter_for
from .extensions import COUPLING_PERMISSION, MODEL_KEYS, entity_for, mapping_ids
from .models import (
    Direction,
    ExternalCrmConnection,
    SyncCoupling,
    SyncJob,
    SyncJobStatus,
    SyncTableMapping,
)
from .services import (
    couple_match_start,
    coupling_remove,
    coupling_set,
    couplings_remove,
    create_from_remote,
    create_in_remote,
    records_sync,
)

PICKER_LIMIT = 20  # the picker shows the first 20 remote matches, never the whole table


class CouplingMixin(PermissionRequiredMixin):
    permission_required = COUPLING_PERMISSION

    def model_label(self) -> str:
        label = MODEL_KEYS.get(self.kwargs["model"])
        if label is None or not mapping_ids(label):
            raise Http404
        return label

    def mappings(self, label: str) -> list[SyncTableMapping]:
        return list(SyncTableMapping.objects.filter(pk__in=mapping_ids(label)).order_by("pk"))


def _remote_error(exc: RemoteError) -> str:
    return _("The external CRM answered with an error: %(error)s") % {"error": exc}


def name_field(mapping: SyncTableMapping) -> str:
    names = set(mapping.fields.values_list("remote_field", flat=True))
    return "name" if "name" in names else ("description" if "description" in names else "code")


def remote_picker_results(mapping: SyncTableMapping, query: str) -> dict:
    """The SYN-14 pickers' context (the card's and the setup records page's): the remote
    matches of ``query``, which of them are coupled already, and the external CRM's error."""
    results, error = [], ""
    if query:
        try:
            results = remote_search(mapping, query)
        except RemoteError as exc:
            error = _remote_error(exc)
    coupled = set(
        SyncCoupling.objects.filter(
            mapping=mapping, remote_id__in=[r.id for r in results]
        ).values_list("remote_id", flat=True)
    )
    return {"mapping": mapping, "q": query, "results": results, "coupled": coupled, "error": error}


def remote_search(mapping: SyncTableMapping, query: str) -> list:
    """SYN-14 picker: the first ``PICKER_LIMIT`` remote records whose name contains ``query``
    (searched on the external CRM's side)."""
    adapter = adapter_for(ExternalCrmConnection.load())
    return adapter.search(
        mapping.remote_resource,
        [(name_field(mapping), query, False)],
        remote_filter=mapping.remote_filter,
        limit=PICKER_LIMIT,
        contains=True,
    )


class RecordPanelView(CouplingMixin, View):
    """The card's coupling panel: status and the SYN-14 actions (htmx posts re-render it)."""

    def record(self):
        label = self.model_label()
        obj = get_object_or_404(apps.get_model(label), pk=self.kwargs["pk"])
        entity = entity_for(label, obj)
        mapping = (
            SyncTableMapping.objects.filter(pk__in=mapping_ids(label), local_entity=entity)
            .order_by("pk")
            .first()
        )
        if mapping is None:
            raise Http404
        return obj, mapping

    def render(self, request, obj, mapping, *, message="", error="", job=None):
        """``job``: a "Synchronise now" job; the panel says where it is and, until it ends,
        asks for itself again every second."""
        poll = None
        if job is not None:
            message, error, poll = _job_state(job)
        coupling = SyncCoupling.objects.filter(mapping=mapping, local_id=obj.pk).first()
        return TemplateResponse(
            request,
            "sync/record_panel.html",
            {
                "obj": obj,
                "model": self.kwargs["model"],
                "mapping": mapping,
                "coupling": coupling,
                "bidirectional": mapping.direction == Direction.BIDIRECTIONAL,
                "message": message,
                "error": error,
                "poll_job": poll,
            },
        )

    def get(self, request, model, pk):
        obj, mapping = self.record()
        job_id = request.GET.get("job", "")
        job = (
            SyncJob.objects.filter(pk=int(job_id), mapping=mapping).first()
            if job_id.isdigit()
            else None
        )
        return self.render(request, obj, mapping, job=job)

    def post(self, request, model, pk):
        obj, mapping = self.record()
        action = request.POST.get("action")
        message = error = ""
        try:
            if action == "couple":
                coupling_set(
                    mapping=mapping, local_id=obj.pk, remote_id=request.POST.get("remote_id", "")
                )
                message = _("Coupled.")
            elif action == "create_remote":
                create_in_remote(mapping=mapping, local_id=obj.pk)
                message = _("Created in the external CRM and coupled.")
            elif action == "sync":
                job = records_sync(
                    mapping=mapping,
                    local_ids=[obj.pk],
                    winner=request.POST.get("winner", ""),
                    user=request.user,
                )
                job.refresh_from_db()  # run already when tasks run in-process
                return self.render(request, obj, mapping, job=job)
            elif action == "remove":
                coupling_remove(mapping=mapping, local_ids=[obj.pk])
                message = _("Coupling removed.")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except RemoteError as exc:
            error = _remote_error(exc)
        return self.render(request, obj, mapping, message=message, error=error)


def _job_state(job: SyncJob) -> tuple[str, str, SyncJob | None]:
    """(message, error, the job to ask about again) of a card's "Synchronise now" job."""
    if job.status in (SyncJobStatus.QUEUED, SyncJobStatus.RUNNING):
        return _("Synchronisation running…"), "", job
    if job.status == SyncJobStatus.SKIPPED:
        return (
            "",
            _(
                "Another run of this mapping was going on, so nothing was synchronised. "
                "Try again in a moment."
            ),
            None,
        )
    if job.status == SyncJobStatus.FAILED:
        return "", job.message_text or _("The synchronisation failed."), None
    if job.failed:
        return "", _("The record could not be synchronised: see the last error."), None
    return _("Synchronised."), "", None


class RemoteSearchView(PermissionRequiredMixin, View):
    """The picker's results (fragment): ``?q=`` on mapping ``pk``; ``record`` = the local
    record to couple (a card) or empty (create a local record from the remote one)."""

    permission_required = COUPLING_PERMISSION

    def get(self, request, pk):
        if not ExternalCrmConnection.objects.filter(is_enabled=True).exists():
            raise Http404
        mapping = get_object_or_404(SyncTableMapping, pk=pk)
        query = (request.GET.get("q") or "").strip()
        return TemplateResponse(
            request,
            "sync/remote_results.html",
            {
                **remote_picker_results(mapping, query),
                "model": request.GET.get("model", ""),
                "record": request.GET.get("record", ""),
            },
        )


class CreateFromRemoteView(CouplingMixin, View):
    """SYN-14 "Create from external CRM" (list side): pick a remote record, create the local
    one and couple them, then open its card."""

    def get(self, request, model):
        label = self.model_label()
        mappings = self.mappings(label)
        chosen = request.GET.get("mapping", "")
        mapping = next((m for m in mappings if str(m.pk) == chosen), mappings[0])
        return TemplateResponse(
            request,
            "sync/create_from_remote.html",
            {"model": model, "mappings": mappings, "mapping": mapping},
        )

    def post(self, request, model):
        label = self.model_label()
        mapping = next(
            (m for m in self.mappings(label) if str(m.pk) == request.POST.get("mapping")), None
        )
        if mapping is None:
            raise Http404
        try:
            coupling = create_from_remote(
                mapping=mapping, remote_id=request.POST.get("remote_id", ""), user=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except RemoteError as exc:
            error = _remote_error(exc)
        else:
            obj = apps.get_model(label).objects.get(pk=coupling.local_id)
            return redirect(obj.get_absolute_url())
        return TemplateResponse(
            request,
            "sync/create_from_remote.html",
            {"model": model, "mappings": self.mappings(label), "mapping": mapping, "error": error},
        )


class MatchView(CouplingMixin, View):
    """SYN-13 from a list: every uncoupled record of a mapping, matched on the chosen fields,
    as a background coupling job."""

    def context(self, model, mapping, **extra):
        label = self.model_label()
        return {
            "model": model,
            "mappings": self.mappings(label),
            "mapping": mapping,
            "fields": mapping.fields.filter(is_enabled=True).order_by("match_priority", "pk"),
            **extra,
        }

    def get(self, request, model):
        mappings = self.mappings(self.model_label())
        chosen = request.GET.get("mapping", "")
        mapping = next((m for m in mappings if str(m.pk) == chosen), mappings[0])
        records = _ids(request.GET.getlist("record"))
        return TemplateResponse(
            request, "sync/match.html", self.context(model, mapping, records=records)
        )

    def post(self, request, model):
        mapping = next(
            (
                m
                for m in self.mappings(self.model_label())
                if str(m.pk) == request.POST.get("mapping")
            ),
            None,
        )
        if mapping is None:
            raise Http404
        fields = _ids(request.POST.getlist("match_field"))
        records = _ids(request.POST.getlist("record"))
        try:
            job = couple_match_start(
                mapping=mapping,
                local_ids=records or None,
                match_fields=fields,
                create_new=request.POST.get("create_new") == "1",
                sync_after=request.POST.get("sync_after") == "1",
                user=request.user,
            )
        except ValidationError as exc:
            return TemplateResponse(
                request,
                "sync/match.html",
                self.context(model, mapping, records=records, error=" ".join(exc.messages)),
            )
        return redirect("sync:coupling-job", pk=job.pk)


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


class BulkView(CouplingMixin, View):
    """SYN-13/14 on the rows ticked in a list: synchronise (the chosen side wins), remove the
    couplings (an uncoupling job per mapping) or go on to match-based coupling."""

    def post(self, request, model):
        label = self.model_label()
        ids = _ids(request.POST.getlist("record"))
        action = request.POST.get("action", "")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        if not ids:
            messages.error(request, _("Select at least one record."))
            return redirect(back)
        if action == "match":
            query = "&".join(f"record={pk}" for pk in ids)
            return redirect(f"{reverse('sync:match', args=[model])}?{query}")
        by_mapping = self.group(label, ids)
        try:
            if action in ("sync_local", "sync_remote"):
                for mapping, local_ids in by_mapping:
                    records_sync(
                        mapping=mapping, local_ids=local_ids, winner=action.removeprefix("sync_")
                    )
                messages.success(request, _("The selected records are being synchronised."))
            elif action == "remove":
                count = sum(
                    couplings_remove(
                        mapping=mapping, local_ids=local_ids, user=request.user
                    ).uncoupled
                    for mapping, local_ids in by_mapping
                )
                messages.success(request, _("%(count)s couplings removed.") % {"count": count})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(back)

    def group(self, label: str, ids: list[int]) -> list[tuple[SyncTableMapping, list[int]]]:
        """The ticked records by the mapping each belongs to (companies ACCOUNT, persons with
        a company CONTACT); records no mapping covers are left out."""
        mappings = {m.local_entity: m for m in reversed(self.mappings(label))}
        groups: dict[int, tuple[SyncTableMapping, list[int]]] = {}
        fields = ["pk", "type", "company_id"] if label == "contacts.contact" else ["pk"]
        for obj in apps.get_model(label).objects.filter(pk__in=ids).only(*fields):
            mapping = mappings.get(entity_for(label, obj))
            if mapping is not None:
                groups.setdefault(mapping.pk, (mapping, []))[1].append(obj.pk)
        return list(groups.values())


class CouplingJobView(PermissionRequiredMixin, View):
    """Progress and outcome of a coupling job; the fragment polls until the job ends."""

    permission_required = COUPLING_PERMISSION

    def get(self, request, pk):
        job = get_object_or_404(
            SyncJob.objects.select_related("mapping").filter(user=request.user), pk=pk
        )
        context = {"job": job, "errors": job.errors.order_by("pk")[:50]}
        if request.htmx:
            response = TemplateResponse(request, "sync/coupling_job_part.html", context)
            if job.is_finished:
                response.status_code = HttpResponseStopPolling.status_code
            return response
        return TemplateResponse(request, "sync/coupling_job.html", context)
