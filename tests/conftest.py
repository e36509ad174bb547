import os

import pytest
from django.contrib.auth.models import Group

# Playwright's sync API runs an event loop in the test thread; the ORM must still work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def require_service(available: bool, what: str) -> None:
    """Fail a test whose service is missing, on every machine: a skipped test proves nothing.
    ``what`` says which service and how to get it (``.ci/run`` installs the system ones)."""
    if not available:
        pytest.fail(f"{what} is required by this test but is not available", pytrace=False)


def pytest_collection_modifyitems(items):
    """Transactional tests (real workers, live server) flush the database when they end.

    Mark them ``serialized_rollback`` so each one starts from the migrated state again (rows
    created by data migrations: the marketing setup, duplicate-search setup, role groups).
    pytest-django runs them after the other database tests.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        live = "live_server" in getattr(item, "fixturenames", ())
        if (marker and marker.kwargs.get("transaction")) or live:
            kwargs = dict(marker.kwargs) if marker else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(
                pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False
            )


def pytest_sessionfinish(session, exitstatus):
    """No skipped test passes a run: a skip (from a plugin or a test) fails the session."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        session.exitstatus = 1
        names = ", ".join(report.nodeid for report in skipped[:20])
        print(f"\nNo test may be skipped; skipped: {names}")  # noqa: T201


@pytest.fixture(autouse=True)
def _post_migrate_state(request):
    """Transactional tests start from a flushed-and-restored database; re-run the post-migrate
    handlers (content types, permissions, role groups) so they never depend on what an
    earlier flush left behind."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """A flushed transactional test recreates content types: never reuse cached ids."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _empty_cache():
    """A rolled-back test sends no signal to the caches of ``crm.caching``: start each test
    with an empty (per-process) cache."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db, django_user_model):
    def make(username="user", *, groups=(), is_staff=False, is_superuser=False, **extra):
        user = django_user_model.objects.create_user(
            username=username,
            password="pw-" + username,
            is_staff=is_staff,
            is_superuser=is_superuser,
            **extra,
        )
        if groups:
            user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


@pytest.fixture
def admin_user_(make_user):
    return make_user("admin", groups=["Administrators"], is_staff=True)


@pytest.fixture
def sales_user(make_user):
    return make_user("sales", groups=["Sales"])


@pytest.fixture
def marketing_user(make_user):
    return make_user("marketing", groups=["Marketing"])


@pytest.fixture
def user(sales_user):
    return sales_user


@pytest.fixture(autouse=True)
def _default_language():
    """A request in French leaves French active in the test thread: every test starts and ends
    in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_csp_violation(request):
    """Every browser test fails when the Content-Security-Policy refused something on a page
    it drove (an inline style or script, a style element injected by a library): the product
    must work under its own policy, not merely render."""
    if "page" not in request.fixturenames or request.node.get_closest_marker(
        "csp_violation_expected"
    ):
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []

    def listen(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text[:200]}")

    page.on("console", listen)
    yield
    assert not refused, "CSP violations:\n" + "\n".join(refused)


@pytest.fixture
def rename_column(db, monkeypatch):
    """Rename a model field's database column inside the test transaction and in ``_meta``
    (as a ``db_column`` change would): raw SQL that names the old column then fails, SQL built
    through ``crm.sql`` follows. Both are undone at the end of the test."""
    from django.db import connection

    from crm.sql import quote, table

    def rename(model, field_name: str, new: str) -> None:
        field = model._meta.get_field(field_name)
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {table(model)} RENAME COLUMN {quote(field.column)} TO {quote(new)}"
            )
        monkeypatch.setattr(field, "column", new)

    return rename
