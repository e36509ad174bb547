"""SET-19 in the Django admin (numbers are read-only; quotes are not added there) and SET-22
(privacy-blocked salespeople are never newly chosen: setup default, team member, the default
applied to a new contact)."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import translation

from contacts.models import Contact
from contacts.services import contact_create
from opportunities.models import SalesQuote
from setup.models import MarketingSetup, TeamMember
from setup.services import marketing_setup_update
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import OpportunityFactory, TaskFactory, TeamFactory
from tests.factories.setup import SalespersonFactory, series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (CompanyFactory, "contacts/contact"),
        (OpportunityFactory, "opportunities/opportunity"),
        (TaskFactory, "opportunities/task"),
    ],
)
def test_set19_admin_shows_the_number_read_only(superuser_client, make, path):
    """SET-19: the admin's change page of an existing record has no number input, and a
    posted number is ignored."""
    obj = make()
    url = f"/admin/{path}/{obj.pk}/change/"
    page = superuser_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert obj.number in content
    assert 'name="number"' not in content


def test_set19_admin_quote_number_read_only(rf, superuser_client):
    """SET-19: a sales quote's number is read-only in the admin too."""
    from django.contrib import admin

    model_admin = admin.site._registry[SalesQuote]
    request = rf.get("/")
    assert "number" in model_admin.get_readonly_fields(request, obj=SalesQuote(number="SQ1"))
    assert not model_admin.has_add_permission(request)


@pytest.mark.parametrize(
    ("path", "model", "language", "text"),
    [
        (
            "opportunities/salesquote",
            SalesQuote,
            "en",
            "Sales quotes are created from their opportunity (Create sales quote)",
        ),
        (
            "opportunities/salesquote",
            SalesQuote,
            "fr",
            "Les devis sont créés depuis leur opportunité (Créer un devis)",
        ),
        ("contacts/contact", Contact, "en", "Contacts are created from the Contacts pages"),
        ("contacts/contact", Contact, "fr", "Les contacts sont créés depuis les pages Contacts"),
    ],
)
def test_set19_admin_refuses_adding_numbered_records(superuser_client, path, model, language, text):
    """SET-19/SET-16: the admin cannot add a quote or a contact outside the number series;
    the add page says why, in the user's language, and nothing is created."""
    response = superuser_client.get(f"/admin/{path}/add/", headers={"accept-language": language})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/{path}/"
    assert next(str(m) for m in get_messages(response.wsgi_request)).startswith(text)
    posted = superuser_client.post(f"/admin/{path}/add/", {"number": "X1", "name": "X"})
    assert posted.status_code == 302
    assert not model.objects.exists()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Salesperson PRIV is blocked due to privacy."),
        ("fr", "Le vendeur PRIV est bloqué pour raison de confidentialité."),
    ],
)
def test_set22_privacy_blocked_default_salesperson_refused(language, text):
    """SET-22: the setup's default salesperson cannot be privacy-blocked."""
    MarketingSetup.load()
    blocked = SalespersonFactory(code="PRIV", is_privacy_blocked=True)
    with translation.override(language), pytest.raises(ValidationError) as caught:
        marketing_setup_update(data={"default_salesperson": blocked})
    assert caught.value.message_dict["default_salesperson"] == [text]
    assert MarketingSetup.load().default_salesperson is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Salesperson PRIV is blocked due to privacy."),
        ("fr", "Le vendeur PRIV est bloqué pour raison de confidentialité."),
    ],
)
def test_set22_privacy_blocked_salesperson_cannot_join_a_team(language, text):
    """SET-22: a privacy-blocked salesperson cannot be added as a team member; an existing
    membership stays valid."""
    team = TeamFactory()
    blocked = SalespersonFactory(code="PRIV", is_privacy_blocked=True)
    with translation.override(language), pytest.raises(ValidationError) as caught:
        TeamMember(team=team, salesperson=blocked).full_clean()
    assert caught.value.message_dict["salesperson"] == [text]
    member = TeamMember.objects.create(team=team, salesperson=SalespersonFactory())
    member.salesperson.is_privacy_blocked = True
    member.salesperson.save()
    member.full_clean()


def test_set22_team_member_refused_in_the_admin(superuser_client):
    """SET-22 through the admin's team page: the inline member row is refused."""
    team = TeamFactory()
    blocked = SalespersonFactory(code="PRIV", is_privacy_blocked=True)
    prefix = "memberships"
    data = {
        "code": team.code,
        "name": team.name,
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-salesperson": blocked.pk,
        f"{prefix}-0-team": team.pk,
    }
    response = superuser_client.post(f"/admin/setup/team/{team.pk}/change/", data)
    assert response.status_code == 200
    assert "Salesperson PRIV is blocked due to privacy." in response.content.decode()
    assert not TeamMember.objects.filter(team=team).exists()


@pytest.mark.parametrize("flag", ["is_privacy_blocked", "is_blocked"])
def test_set22_new_contact_does_not_take_a_blocked_default(make_user, flag):
    """SET-21/22: a default salesperson that became (privacy-)blocked is not applied to a new
    contact, neither from the setup nor from the user's own salesperson."""
    MarketingSetup.load()
    default = SalespersonFactory(code="DEF")
    MarketingSetup.objects.update(
        default_salesperson=default, contact_series=series_with_line("CT", "CT0001")
    )
    setattr(default, flag, True)
    default.save()
    contact = contact_create(user=None, data={"name": "Acme"})
    assert contact.salesperson is None
    user = make_user("rep")
    SalespersonFactory(code="MINE", user=user, **{flag: True})
    contact = contact_create(user=user, data={"name": "Globex"})
    assert contact.salesperson is None
    ok = SalespersonFactory(code="OK")
    MarketingSetup.objects.update(default_salesperson=ok)
    assert contact_create(user=None, data={"name": "Initech"}).salesperson == ok
