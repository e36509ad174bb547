import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from setup.models import MarketingSetup
from setup.services import marketing_setup_update, salesperson_link_user
from tests.factories.setup import BusinessRelationFactory, SalespersonFactory


@pytest.mark.django_db
def test_s4_fresh_installation_defaults_and_hit_percent_range():
    """S-4: six inherit switches on, maintain and autosearch on, 60 %; 0 and 101 refused."""
    setup = MarketingSetup.load()
    assert all(
        getattr(setup, f"inherit_{name}")
        for name in ("salesperson", "territory", "country", "language", "address", "communication")
    )
    assert setup.maintain_duplicate_strings and setup.autosearch_duplicates
    assert setup.duplicate_hit_percent == 60
    assert setup.base_currency is not None
    for bad in (0, 101):
        with pytest.raises(ValidationError) as exc:
            marketing_setup_update(data={"duplicate_hit_percent": bad})
        assert "duplicate_hit_percent" in exc.value.message_dict
    assert MarketingSetup.load().duplicate_hit_percent == 60


@pytest.mark.django_db
def test_s5_autosearch_and_maintain_are_coupled():
    """S-5: autosearch on ⇒ maintain on; maintain off ⇒ autosearch off."""
    setup, _rebuild = marketing_setup_update(data={"maintain_duplicate_strings": False})
    assert (setup.maintain_duplicate_strings, setup.autosearch_duplicates) == (False, False)
    setup, rebuild = marketing_setup_update(
        data={"autosearch_duplicates": True}, rebuild_duplicates=True
    )
    assert (setup.maintain_duplicate_strings, setup.autosearch_duplicates) == (True, True)
    assert rebuild is True  # SET-3: maintain went from off to on and the user said yes


@pytest.mark.django_db
def test_set4_blocked_default_salesperson_refused():
    blocked = SalespersonFactory(code="BLK", is_blocked=True)
    with pytest.raises(ValidationError) as exc:
        marketing_setup_update(data={"default_salesperson": blocked})
    assert "default_salesperson" in exc.value.message_dict


@pytest.mark.django_db
def test_set5_one_relation_code_per_link_kind():
    code = BusinessRelationFactory(code="CUST")
    with pytest.raises(ValidationError) as exc:
        marketing_setup_update(data={"customer_relation": code, "vendor_relation": code})
    assert "vendor_relation" in exc.value.message_dict


@pytest.mark.django_db
def test_s11_salesperson_linked_to_one_user(make_user):
    """S-11: a salesperson linked to user U cannot be linked to user V."""
    u, v = make_user("u"), make_user("v")
    salesperson = SalespersonFactory(code="SP1")
    salesperson_link_user(salesperson=salesperson, user=u)
    with pytest.raises(ValidationError, match="already linked to user u"):
        salesperson_link_user(salesperson=salesperson, user=v)
    other = SalespersonFactory(code="SP2")
    with pytest.raises(ValidationError, match="already linked to salesperson SP1"):
        salesperson_link_user(salesperson=other, user=u)


@pytest.mark.django_db
def test_marketing_setup_page_saves_and_shows_errors(client, admin_user_):
    client.force_login(admin_user_)
    url = reverse("setup:marketing-setup")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data["version"] = form["version"].value()
    data["duplicate_hit_percent"] = 101
    response = client.post(url, data)
    assert response.status_code == 200
    assert "duplicate_hit_percent" in response.context["form"].errors
    data["duplicate_hit_percent"] = 75
    response = client.post(url, data)
    assert response.status_code == 302
    assert MarketingSetup.load().duplicate_hit_percent == 75


@pytest.mark.django_db
def test_sales_reps_cannot_change_setup(client, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("setup:marketing-setup")).status_code == 403
