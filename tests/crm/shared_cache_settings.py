"""Test settings with the cache on Redis (``CACHE_URL``, ``CACHE_KEY_PREFIX``): a second
process started by a test shares the test process's cache, as production's processes do."""

import os

from crm.settings.test import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
        "KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"],
    }
}
