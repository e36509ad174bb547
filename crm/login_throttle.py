"""Login throttling: after repeated failures for one username from one address, refuse logins.

Counters live in the default cache (Redis in production when it answers, locmem elsewhere):
``LOGIN_THROTTLE_FAILURES`` failures within ``LOGIN_THROTTLE_WINDOW`` seconds lock that
username + IP pair for ``LOGIN_THROTTLE_LOCKOUT`` seconds. A successful login clears the count.
"""

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

LOCKED = gettext_noop(
    "Too many failed login attempts for this user from your address. "
    "Try again in %(minutes)s minutes."
)


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "LOGIN_THROTTLE_FAILURES", 5),
        getattr(settings, "LOGIN_THROTTLE_WINDOW", 15 * 60),
        getattr(settings, "LOGIN_THROTTLE_LOCKOUT", 15 * 60),
    )


def client_ip(request) -> str:
    header = getattr(settings, "LOGIN_THROTTLE_IP_HEADER", "")  # e.g. HTTP_X_REAL_IP behind nginx
    if request is None:
        return ""
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(username: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{(username or '').strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-failures:{digest}", f"login-locked:{digest}"


def login_is_locked(*, username: str, ip: str) -> bool:
    return bool(cache.get(_keys(username, ip)[1]))


def login_failure_record(*, username: str, ip: str) -> bool:
    """Count one failure; True when the pair is now locked."""
    failures, window, lockout = _limits()
    count_key, lock_key = _keys(username, ip)
    cache.add(count_key, 0, timeout=window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=window)
        count = 1
    if count >= failures:
        cache.set(lock_key, True, timeout=lockout)
        cache.delete(count_key)
        return True
    return False


def login_failures_clear(*, username: str, ip: str) -> None:
    cache.delete_many(list(_keys(username, ip)))


class ThrottledLoginMixin:
    """For an ``AuthenticationForm``: refuse a locked pair before checking the password."""

    def _locked_error(self) -> ValidationError:
        minutes = max(1, _limits()[2] // 60)
        return ValidationError(_(LOCKED), code="throttled", params={"minutes": minutes})

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if login_is_locked(username=username, ip=ip):
            raise self._locked_error()
        try:
            cleaned = super().clean()
        except ValidationError:
            if login_failure_record(username=username, ip=ip):
                raise self._locked_error() from None
            raise
        login_failures_clear(username=username, ip=ip)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
