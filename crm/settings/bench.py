"""Benchmarks (bench/): the test settings with production's cache and sessions.

Production keeps its cache (login throttling, permission sets, code tables) and its session
reads in Redis when Redis answers (crm/settings/production.py); the benchmarks measure the
same set-up, with their own key prefix, and fall back to the test settings without Redis.
"""

from .base import REDIS_URL, env, redis_answers
from .test import *  # noqa: F403

if redis_answers(env("CACHE_URL", REDIS_URL)):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "crm-bench",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
