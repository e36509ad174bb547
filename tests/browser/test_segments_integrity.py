"""The segments' integrity report in the browser, in English and in French (decision 0012):
a line number written twice behind the services' back is found by the daily check and shown
on the segments' setup page, reached from the Setup page."""

import pytest
from django.db import connection

from segments.models import Segment
from segments.services import segment_criteria_apply, segment_integrity_check
from tests.factories.contacts import CompanyFactory

TEXT = {
    "en": {
        "setup": "Segments setup",
        "duplicates": "1 line number is used by more than one line of its segment.",
        "orphans": "No orphan segment lines or history rows.",
    },
    "fr": {
        "setup": "Paramétrage des segments",
        "duplicates": "1 numéro de ligne est utilisé par plusieurs lignes de son segment.",
        "orphans": "Aucune ligne de segment ni ligne d'historique orpheline.",
    },
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_line_number_used_twice_is_shown_on_the_segments_setup_page(
    live_server, login, make_user, language
):
    # given a segment of two lines whose second line took the first one's number
    first, second = CompanyFactory(city="Vannes"), CompanyFactory(city="Vannes")
    segment = Segment.objects.create(number=f"INTEG-{language}", description="Integrity")
    segment_criteria_apply(
        segment=segment,
        action="add",
        filters={"contact": {"city": {"op": "in", "values": ["Vannes"]}}},
    )
    line_no = segment.lines.get(contact=first).line_no
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE segments_segmentline SET line_no = %s "
            "WHERE segment_id = %s AND contact_id = %s",
            [line_no, segment.pk, second.pk],
        )
    segment_integrity_check()
    page = login(make_user("mkt", groups=["Marketing"]))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    # when the marketing user opens it from the Setup page
    page.goto(f"{live_server.url}/setup/")
    page.get_by_role("link", name=TEXT[language]["setup"]).click()
    # then the report says so, with the segment's number and the line number
    assert page.locator("html").get_attribute("lang") == language
    assert TEXT[language]["duplicates"] in page.locator("#duplicate-line-numbers").inner_text()
    row = page.locator("#duplicates tbody tr").first
    assert str(line_no) in row.inner_text()
    assert TEXT[language]["orphans"] in page.locator("#integrity").inner_text()
    # and the segment's number leads to its card
    row.get_by_role("link", name=segment.number).click()
    page.wait_for_url(f"{live_server.url}/segments/{segment.pk}/")
    assert segment.number in page.locator("h1").inner_text()
