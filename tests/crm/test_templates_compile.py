"""Every template of the project compiles: an unknown filter or tag (a missing ``{% load %}``)
fails here rather than on the one page, sometimes only in a polled fragment, that renders it."""

from pathlib import Path

from django.conf import settings
from django.template import engines

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", ".data", "static"}


def _project_templates():
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP:
            continue
        yield path


def test_every_project_template_compiles():
    engine = engines["django"]
    paths = list(_project_templates())
    assert len(paths) > 100
    failures = []
    for path in paths:
        name = "/".join(path.parts[_templates_index(path) + 1 :])
        try:
            engine.get_template(name)
        except Exception as error:  # reported below, with the template's name
            failures.append(f"{name}: {error}")
    assert failures == []


def _templates_index(path: Path) -> int:
    """Index of the last ``templates`` folder in the path (names are relative to it)."""
    return max(i for i, part in enumerate(path.parts) if part == "templates")
