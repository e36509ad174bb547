"""Login throttling: repeated failures lock out a username + address pair, an address trying
many usernames (password spraying), and a username tried from many addresses.

Counters live in the default cache (Redis in production when it answers, locmem elsewhere).
Within ``LOGIN_THROTTLE_WINDOW`` seconds:

* ``LOGIN_THROTTLE_FAILURES`` (5) failures for one username from one address lock that pair;
* ``LOGIN_THROTTLE_IP_FAILURES`` (20) failures from one address, whatever the usernames, lock
  that address for every username;
* ``LOGIN_THROTTLE_USER_FAILURES`` (30) failures for one username, whatever the addresses, lock
  that username (a distributed guess of one password).

A lock lasts ``LOGIN_THROTTLE_LOCKOUT`` seconds. A successful login clears the pair and the
username counts, not the address count (one valid account must not reset a spraying count).
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
LOCKED_IP = gettext_noop(
    "Too many failed login attempts from your address. Try again in %(minutes)s minutes."
)
LOCKED_USER = gettext_noop(
    "Too many failed login attempts for this user. Try again in %(minutes)s minutes."
)
PAIR, IP, USER = "pair", "ip", "user"
MESSAGES = {PAIR: LOCKED, IP: LOCKED_IP, USER: LOCKED_USER}


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "LOGIN_THROTTLE_FAILURES", 5),
        getattr(settings, "LOGIN_THROTTLE_WINDOW", 15 * 60),
        getattr(settings, "LOGIN_THROTTLE_LOCKOUT", 15 * 60),
    )


def _thresholds() -> dict[str, int]:
    return {
        PAIR: _limits()[0],
        IP: getattr(settings, "LOGIN_THROTTLE_IP_FAILURES", 20),
        USER: getattr(settings, "LOGIN_THROTTLE_USER_FAILURES", 30),
    }


def client_ip(request) -> str:
    header = getattr(settings, "LOGIN_THROTTLE_IP_HEADER", "")  # e.g. HTTP_X_REAL_IP behind nginx
    if request is None:
        return ""
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _subjects(username: str, ip: str) -> dict[str, str]:
    name = (username or "").strip().lower()
    return {PAIR: f"{name}|{ip}", IP: ip, USER: name}


def _keys(kind: str, subject: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{kind}|{subject}".encode()).hexdigest()
    return f"login-failures:{digest}", f"login-locked:{digest}"


def login_locked_reason(*, username: str, ip: str) -> str | None:
    """Which lock holds this attempt (``pair``, ``ip`` or ``user``), or None."""
    subjects = _subjects(username, ip)
    locks = {kind: _keys(kind, subject)[1] for kind, subject in subjects.items()}
    found = cache.get_many(list(locks.values()))
    for kind in (PAIR, IP, USER):
        if found.get(locks[kind]):
            return kind
    return None


def login_is_locked(*, username: str, ip: str) -> bool:
    return login_locked_reason(username=username, ip=ip) is not None


def _count(kind: str, subject: str, *, threshold: int, window: int, lockout: int) -> bool:
    count_key, lock_key = _keys(kind, subject)
    cache.add(count_key, 0, timeout=window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=window)
        count = 1
    if count >= threshold:
        cache.set(lock_key, True, timeout=lockout)
        cache.delete(count_key)
        return True
    return False


def login_failure_record(*, username: str, ip: str) -> str | None:
    """Count one failure in every counter; the lock it triggered (``pair``/``ip``/``user``)."""
    _failures, window, lockout = _limits()
    thresholds = _thresholds()
    locked = None
    for kind, subject in _subjects(username, ip).items():
        if kind == USER and not subject:
            continue
        hit = _count(kind, subject, threshold=thresholds[kind], window=window, lockout=lockout)
        if hit and locked is None:
            locked = kind
    return locked


def login_failures_clear(*, username: str, ip: str) -> None:
    subjects = _subjects(username, ip)
    cache.delete_many([key for kind in (PAIR, USER) for key in _keys(kind, subjects[kind])])


class ThrottledLoginMixin:
    """For an ``AuthenticationForm``: refuse a locked attempt before checking the password."""

    def _locked_error(self, kind: str) -> ValidationError:
        minutes = max(1, _limits()[2] // 60)
        return ValidationError(_(MESSAGES[kind]), code="throttled", params={"minutes": minutes})

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        reason = login_locked_reason(username=username, ip=ip)
        if reason is not None:
            raise self._locked_error(reason)
        try:
            cleaned = super().clean()
        except ValidationError:
            reason = login_failure_record(username=username, ip=ip)
            if reason is not None:
                raise self._locked_error(reason) from None
            raise
        login_failures_clear(username=username, ip=ip)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
