"""Every string of the api and maillog apps has a French translation."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation


@pytest.mark.parametrize("app", ["api", "maillog"])
def test_every_msgid_has_a_french_msgstr(app):
    po = polib.pofile(str(Path(settings.BASE_DIR) / app / "locale/fr/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in po if not e.translated() or e.fuzzy]
    assert missing == []


@pytest.mark.django_db
def test_pages_render_in_french(client, admin_user_):
    client.force_login(admin_user_)
    with translation.override("fr"):
        tokens = client.get(reverse("api:token-list"), HTTP_ACCEPT_LANGUAGE="fr")
        log = client.get(reverse("maillog:sync-log"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Mes jetons API" in tokens.content.decode()
    assert "Synchroniser maintenant" in log.content.decode()
