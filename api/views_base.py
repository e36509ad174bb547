"""The base of every API view: idempotent POSTs and the call log (SPEC 12.1)."""

import json
import time

from django.utils.translation import gettext as _
from rest_framework import generics, viewsets
from rest_framework.views import APIView

from .errors import ApiError, IdempotentReplay
from .models import ApiClient
from .services import api_call_record, idempotency_get, idempotency_owner, idempotency_store

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ApiViewMixin:
    scope: str | dict = ""

    def initialize_request(self, request, *args, **kwargs):
        self._started = time.monotonic()
        self._replayed = False
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method == "POST" and key is not None:
            if not key.strip() or len(key) > 200:
                raise ApiError(
                    _("The Idempotency-Key header must have 1 to 200 characters."),
                    field=IDEMPOTENCY_HEADER,
                )
            record = idempotency_get(owner=idempotency_owner(request), key=key)
            if record is not None:
                self._replayed = True
                raise IdempotentReplay(record.status, record.body)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        user = getattr(request, "_user", None)
        auth = getattr(request, "_auth", None)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if (
            request.method == "POST"
            and key
            and len(key) <= 200
            and not self._replayed
            and user is not None
            and user.is_authenticated
            and response.status_code < 500
            and response.status_code not in (401, 403)
        ):
            idempotency_store(
                owner=idempotency_owner(request),
                key=key,
                method=request.method,
                path=request.path,
                status=response.status_code,
                body=json.loads(json.dumps(response.data, default=str)),
            )
        match = getattr(request, "resolver_match", None)
        endpoint = f"/{match.route}" if match is not None and match.route else request.path
        api_call_record(
            client=auth if isinstance(auth, ApiClient) else None,
            user=user if user is not None and not isinstance(auth, ApiClient) else None,
            method=request.method,
            endpoint=endpoint,
            status=response.status_code,
            duration_ms=int(
                (time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000
            ),
        )
        return response


class ApiView(ApiViewMixin, APIView):
    pass


class ApiGenericView(ApiViewMixin, generics.GenericAPIView):
    pass


class ApiReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ApiListView(ApiViewMixin, generics.ListAPIView):
    pass
