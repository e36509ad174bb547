import csv
import io

from django.urls import reverse

from segments.services import segment_criteria_apply
from tests.factories.contacts import CompanyFactory


def test_segment_export_neutralises_formula_text(client, marketing_user, new_segment):
    """SG-25's CSV goes through the one safe writer: formula-like text is written as text."""
    CompanyFactory(name="-1+cmd|' /C calc'!A0", city='=WEBSERVICE("http://x")')
    segment = new_segment()
    segment_criteria_apply(segment=segment, action="add", filters={})
    client.force_login(marketing_user)
    response = client.get(reverse("segments:segment-export", args=[segment.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = dict(zip(rows[0], rows[1], strict=False))
    assert row["name"] == "'-1+cmd|' /C calc'!A0"
    assert row["city"] == '\'=WEBSERVICE("http://x")'
