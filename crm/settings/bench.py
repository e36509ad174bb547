"""Benchmarks (bench/): the test settings with production's cache and sessions.

Production keeps its cache (login throttling, permission sets, code tables) and its session
reads in Redis when Redis answers (crm/settings/production.py); the benchmarks measure the
same set-up, with their own key prefix, and fall back to the test settings without Redis.
"""

from .base import shared_cache
from .test import *  # noqa: F403

# Static files are found once at start-up, as in production (the test settings look every
# request's path up in the finders so that a test sees a file written after start-up).
WHITENOISE_AUTOREFRESH = False

_shared = shared_cache("crm-bench")
if _shared is not None:
    CACHES = _shared
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
