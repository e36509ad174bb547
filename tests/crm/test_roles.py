import pytest
from django.contrib.auth.models import Group

from crm.roles import ADMINISTRATORS, MARKETING, SALES, sync_role_permissions


@pytest.mark.django_db
def test_three_groups_exist_with_fitting_permissions(make_user):
    sync_role_permissions()
    assert set(Group.objects.values_list("name", flat=True)) >= {SALES, MARKETING, ADMINISTRATORS}
    sales = make_user("s", groups=[SALES])
    marketing = make_user("m", groups=[MARKETING])
    admin = make_user("a", groups=[ADMINISTRATORS])
    # Sales reps read setup but cannot change it or the number series.
    assert sales.has_perm("setup.view_salesperson")
    assert not sales.has_perm("setup.change_marketingsetup")
    assert not sales.has_perm("setup.change_numberseries")
    assert not sales.has_perm("setup.add_territory")
    # Marketing maintains mailing groups but not the setup either.
    assert marketing.has_perm("setup.add_mailinggroup")
    assert not marketing.has_perm("setup.change_numberseries")
    # Administrators hold everything of the product apps.
    assert admin.has_perm("setup.change_marketingsetup")
    assert admin.has_perm("setup.change_numberseries")
    assert admin.has_perm("auth.change_user")


@pytest.mark.django_db
def test_number_series_admin_is_for_administrators_only(client, make_user):
    sales = make_user("s", groups=[SALES], is_staff=True)
    admin = make_user("a", groups=[ADMINISTRATORS], is_staff=True)
    client.force_login(sales)
    assert client.get("/admin/setup/numberseries/").status_code == 403
    client.force_login(admin)
    page = client.get("/admin/setup/numberseries/?q=CT")
    assert page.status_code == 200
