"""Every French catalogue is valid: one definition per message, no empty translation."""

from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/fr/LC_MESSAGES/django.po")) + sorted(
    ROOT.glob("locale/fr/LC_MESSAGES/django.po")
)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_one_definition_per_message_and_every_message_translated(path):
    entries = [e for e in polib.pofile(str(path)) if not e.obsolete]
    counts = Counter((e.msgctxt, e.msgid) for e in entries)
    assert not [key for key, n in counts.items() if n > 1]
    assert not [e.msgid for e in entries if not e.translated() and "fuzzy" not in e.flags]
