"""Read a static file the way the page's browser would get it (through the staticfiles finders)."""

from pathlib import Path

from django.contrib.staticfiles import finders


def static_text(path: str) -> str:
    found = finders.find(path)
    assert found, f"static file {path} not found"
    return Path(found).read_text(encoding="utf-8")
