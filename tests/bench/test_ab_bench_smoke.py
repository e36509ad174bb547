"""The A/B page benchmarks (form renderer, crispy fields) measure both sides on every page,
in the test database, and leave the project's own side on."""

import io

import pytest
from django.conf import settings

from bench import crispy_field_bench, form_renderer_bench
from tests.factories.contacts import CompanyFactory

CASES = [
    (form_renderer_bench, ("fast", "django"), ("fast", "django")),
    (crispy_field_bench, ("fast", "library"), ("python fields", "library template")),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("bench", "keys", "labels"), CASES, ids=["form-renderer", "crispy"])
def test_the_bench_measures_both_sides_on_each_page(bench, keys, labels):
    # given
    CompanyFactory.create_batch(3)
    out = io.StringIO()
    # when
    rows, results = bench.run(rounds=1, per_round=1, stdout=out)
    # then: one result per page, each with both sides' CPU, in the order of the pages
    pages = [name for name, _path in bench._pages()]
    assert [r["page"] for r in results] == pages
    assert all(r[f"{keys[0]}_cpu_ms"] > 0 and r[f"{keys[1]}_cpu_ms"] > 0 for r in results)
    assert [row.operation for row in rows] == [
        f"{page} [{label}]" for page in pages for label in labels
    ]
    # the project's side is back on
    assert settings.FORM_RENDERER == form_renderer_bench.FAST
    assert getattr(settings, "CRM_FAST_CRISPY_FIELDS", True) is True
