"""The form renderer benchmark measures both renderers on every page, in the test database."""

import io

import pytest
from django.conf import settings

from bench import form_renderer_bench
from tests.factories.contacts import CompanyFactory


@pytest.mark.django_db
def test_form_renderer_bench_measures_both_renderers_on_each_page():
    # given
    CompanyFactory.create_batch(3)
    out = io.StringIO()
    # when
    rows, results = form_renderer_bench.run(rounds=1, per_round=1, stdout=out)
    # then: one result per page, each with both renderers' CPU; the project's renderer is back
    pages = [name for name, _path in form_renderer_bench._pages()]
    assert [r["page"] for r in results] == pages
    assert all(r["fast_cpu_ms"] > 0 and r["django_cpu_ms"] > 0 for r in results)
    assert [row.operation for row in rows] == [
        f"{page} [{label}]" for page in pages for label in ("fast", "django")
    ]
    assert settings.FORM_RENDERER == form_renderer_bench.FAST
