"""Every 4xx answer has the shape ``{"code", "field", "message"}`` (SPEC 12.1); when several
fields are wrong, ``errors`` lists them all and the top level repeats the first."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from crm.exceptions import ApplicationError


class ApiError(exceptions.APIException):
    """A refusal with an explicit status, code and field."""

    def __init__(self, message: str, *, status_code: int = 400, code: str = "invalid", field=""):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.field = field
        self.message = str(message)


class IdempotentReplay(Exception):
    """Raised before the handler runs: the stored first response is returned instead."""

    def __init__(self, status_code: int, body) -> None:
        super().__init__("replay")
        self.status_code = status_code
        self.body = body


def _body(code: str, field: str, message: str, errors: list | None = None) -> dict:
    out = {"code": code, "field": field or "", "message": str(message)}
    if errors and len(errors) > 1:
        out["errors"] = errors
    return out


def _flatten(detail, prefix: str = "") -> list[dict]:
    """DRF error detail (dict / list / ErrorDetail) -> [{"code", "field", "message"}]."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict):
                out += _flatten(value, f"{prefix}[{index}]" if prefix else f"[{index}]")
            else:
                out += _flatten(value, prefix)
    else:
        out.append(
            {
                "code": getattr(detail, "code", "invalid") or "invalid",
                "field": prefix,
                "message": str(detail),
            }
        )
    return out


def django_validation_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        out = []
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                out.append(
                    {
                        "code": error.code or "invalid",
                        "field": "" if field == "__all__" else field,
                        "message": str(message),
                    }
                )
        return out
    return [
        {
            "code": error.code or "invalid",
            "field": "",
            "message": str(error.message % error.params if error.params else error.message),
        }
        for error in exc.error_list
    ]


def api_exception_handler(exc, context):
    if isinstance(exc, IdempotentReplay):
        response = Response(exc.body, status=exc.status_code)
        response["Idempotent-Replayed"] = "true"
        return response
    if isinstance(exc, ApiError):
        return Response(_body(exc.code, exc.field, exc.message), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = django_validation_errors(exc) or [
            {"code": "invalid", "field": "", "message": _("Invalid input.")}
        ]
        first = errors[0]
        code = status.HTTP_409_CONFLICT if first["code"] == "privacy_blocked" else 422
        return Response(_body(first["code"], first["field"], first["message"], errors), status=code)
    if isinstance(exc, ApplicationError):
        return Response(_body("conflict", "", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail) or [{"code": "invalid", "field": "", "message": ""}]
        first = errors[0]
        response.data = _body(first["code"], first["field"], first["message"], errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(code, dict | list):
            code = "error"
        response.data = _body(str(code), "", str(detail))
    return response
