from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_bool

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = BASE_DIR / ".data" / "test-media" / (env("PYTEST_XDIST_WORKER", "main") or "main")
# Safety net only: a stray .delay() in a test runs inline and raises instead of hanging.
# Tests that prove background work start a real worker (tests/worker.py).
# A real worker started by tests/worker.py (CRM_TEST_REAL_WORKER=1) sends its messages (next
# batch, re-queued job) through the broker as in production.
CELERY_TASK_ALWAYS_EAGER = not env_bool("CRM_TEST_REAL_WORKER", False)
CELERY_TASK_EAGER_PROPAGATES = True
LANGUAGE_CODE = "en"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
