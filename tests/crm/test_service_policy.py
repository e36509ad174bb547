"""A test whose service (Redis, Chromium, dovecot, Tryton, the PostgreSQL tools) is missing
fails, on every machine: it is never skipped."""

import pytest

from tests.conftest import require_service


def test_a_missing_service_fails_the_test_with_what_to_install():
    with pytest.raises(pytest.fail.Exception, match="dovecot-imapd"):
        require_service(False, "dovecot (apt-get install dovecot-imapd)")


def test_a_present_service_lets_the_test_run():
    require_service(True, "Redis")
