"""Sync setup pages without a remote: stale saves refused, administrators only."""

import re

import pytest
from django.urls import reverse

from sync.defaults import mappings_reset_to_defaults
from sync.models import SyncTableMapping

pytestmark = pytest.mark.django_db


def _version(html: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


def test_a_stale_or_versionless_mapping_save_is_refused(client, admin_user_):
    mappings_reset_to_defaults()
    mapping = SyncTableMapping.objects.get(name="ACCOUNT")
    url = reverse("sync:mapping-detail", args=[mapping.pk])
    client.force_login(admin_user_)
    version = _version(client.get(url).content.decode())
    other = SyncTableMapping.objects.get(pk=mapping.pk)
    other.interval_min = 45
    other.save()  # a second administrator saved first
    data = {
        "is_enabled": "on",
        "direction": "bidirectional",
        "update_conflict": "none",
        "deletion_conflict": "none",
        "interval_min": "5",
        "inactivity_timeout_min": "60",
        "remote_filter": "",
        "local_filter": "{}",
        "remote_defaults": "{}",
        "local_defaults": "{}",
        "depends_on": "[]",
        "version": version,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    assert SyncTableMapping.objects.get(pk=mapping.pk).interval_min == 45
    response = client.post(url, {**data, "version": ""})
    assert "Someone else saved this record" in response.content.decode()
    fresh = _version(client.get(url).content.decode())
    response = client.post(url, {**data, "version": fresh})
    assert response.status_code == 302
    assert SyncTableMapping.objects.get(pk=mapping.pk).interval_min == 5


def test_sync_pages_are_for_administrators_only(client, sales_user, marketing_user):
    for user in (sales_user, marketing_user):
        client.force_login(user)
        assert client.get(reverse("sync:connection")).status_code == 403
        assert client.get(reverse("sync:errors")).status_code == 403
