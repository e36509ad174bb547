"""Malformed requests are refused before any view runs, with a message, never a 500.

* A body larger than ``MAX_REQUEST_BODY_SIZE`` (by its Content-Length) is answered 413 before
  it is read (``RequestSizeGuardMiddleware``, first in MIDDLEWARE); the proxy of
  docker-compose.yml refuses it even earlier and bodies sent without a length.

* A NUL character in any query parameter (PostgreSQL cannot store it): 400.
* ``page`` on a page (not the API, which pages with cursors): a whole number from 1 to
  ``MAX_PAGE`` or ``last``; anything else is a page that does not exist: 404. Paginators of
  every list (Django's and the keyset/countless ones) then never see an offset PostgreSQL
  cannot represent.
"""

import re

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

MAX_PAGE = 1_000_000  # 50 million rows at 50 a page: beyond any list of this CRM
PAGE_PARAM = "page"
_PAGE = re.compile(r"[0-9]{1,7}")
API_PREFIX = "/api/v1/"


def page_number_problem(value: str) -> str:
    """'' when ``value`` is a page number a paginator may receive, else the reason."""
    if value in ("", "last"):
        return ""
    if not _PAGE.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        return _("Page %(page)s does not exist: give a page number from 1 to %(max)s.") % {
            "page": value[:30],
            "max": MAX_PAGE,
        }
    return ""


class RequestSizeGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_SIZE
        raw = request.META.get("CONTENT_LENGTH") or "0"
        length = int(raw) if raw.isdigit() else -1
        if 0 <= length <= limit:
            return self.get_response(request)
        # before LocaleMiddleware: speak the language the request asks for
        with translation.override(translation.get_language_from_request(request)):
            if length < 0:
                return HttpResponseBadRequest(
                    _("The Content-Length header is not a number."),
                    content_type="text/plain; charset=utf-8",
                )
            message = _("The request is too large (%(size)s; at most %(max)s).") % {
                "size": filesizeformat(length),
                "max": filesizeformat(limit),
            }
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        response["Connection"] = "close"  # the unread body is not drained
        return response


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith(API_PREFIX)
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                message = _("The parameter %(name)s contains a NUL character.") % {
                    "name": key.replace("\x00", "")[:50]
                }
                if is_api:
                    return JsonResponse(
                        {"code": "invalid", "field": key.replace("\x00", ""), "message": message},
                        status=400,
                    )
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        if not is_api:
            for value in request.GET.getlist(PAGE_PARAM):
                problem = page_number_problem(value.strip())
                if problem:
                    raise Http404(problem)
        return self.get_response(request)


def id_param(value: str | None, *, name: str) -> int | None:
    """A record id from a query or form parameter: None when empty; a 404 with a message when
    it is not a whole number a primary key can hold (``?cycle=abc``)."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,18}", text):
        raise Http404(
            _("%(name)s=%(value)s is not a record number.") % {"name": name, "value": text[:30]}
        )
    return int(text)
