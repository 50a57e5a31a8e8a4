import pytest
from django.contrib.auth.models import Group

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_each_role_has_its_group_with_permissions():
    for role in Role.values:
        group = Group.objects.get(name=role)
        assert group.permissions.exists(), role


def test_staff_group_cannot_change_shop_settings_but_admin_can():
    staff = Group.objects.get(name="staff")
    codenames = set(staff.permissions.values_list("codename", flat=True))
    assert "view_shopsettings" in codenames
    assert "change_shopsettings" not in codenames
    assert "change_device" in codenames
    manager = set(Group.objects.get(name="manager").permissions.values_list("codename", flat=True))
    admin = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert "change_shopsettings" not in manager and "view_shopsettings" in manager
    assert "change_shopsettings" in admin


def test_role_decides_group_and_back_office_access(client_for, manager, front_desk, owner):
    assert manager.is_staff and not manager.is_superuser
    assert owner.is_superuser
    assert not front_desk.is_staff
    assert client_for(manager).get("/admin/").status_code == 200
    assert client_for(owner).get("/admin/").status_code == 200
    # Logged in without back-office rights: the app's refusal, not the admin's login form.
    staff = client_for(front_desk)
    for url in ("/admin/", "/admin/login/", "/admin/devices/device/"):
        response = staff.get(url)
        assert response.status_code == 403, url
        assert "back office is for managers and admins" in response.content.decode(), url
    assert staff.post("/admin/logout/").status_code in (200, 302)  # leaving is always allowed


def test_changing_role_moves_the_user_between_groups(front_desk):
    front_desk.role = Role.MANAGER
    front_desk.save()
    front_desk.refresh_from_db()
    assert list(front_desk.groups.values_list("name", flat=True)) == ["manager"]
    assert front_desk.is_staff


def test_manager_does_not_see_users_in_back_office(client_for, manager):
    assert client_for(manager).get("/admin/accounts/user/").status_code == 403


def test_admin_changes_a_role_on_the_user_list(client_for, owner, front_desk):
    client = client_for(owner)
    assert b"desk" in client.get("/users/").content
    pk = front_desk.pk
    response = client.post(f"/users/{pk}/", {f"u{pk}-role": Role.MANAGER, f"u{pk}-is_active": "on"})
    assert response.status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.role == Role.MANAGER


def test_deactivated_user_cannot_log_in(client_for, owner, front_desk, anonymous, password):
    pk = front_desk.pk
    client_for(owner).post(f"/users/{pk}/", {f"u{pk}-role": Role.STAFF})
    front_desk.refresh_from_db()
    assert not front_desk.is_active
    response = anonymous.post("/login", {"username": "desk", "password": password})
    assert response.status_code == 200


def test_admin_cannot_demote_themselves(client_for, owner):
    pk = owner.pk
    client_for(owner).post(f"/users/{pk}/", {f"u{pk}-role": Role.STAFF, f"u{pk}-is_active": "on"})
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN


def test_user_list_is_for_admins_only(client_for, manager):
    assert client_for(manager).get("/users/").status_code == 403


def test_ensure_admin_creates_one_admin_only_once(db, capsys):
    from django.core.management import call_command

    call_command("ensure_admin", password="First-login-2026")
    assert "password: First-login-2026" in capsys.readouterr().out
    call_command("ensure_admin")
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert "already exists" in capsys.readouterr().out


@pytest.mark.parametrize(("flags", "technician"), [({}, False), ({"technician": True}, True)])
def test_the_first_admin_is_a_technician_only_when_asked(db, flags, technician):
    # The owner in every technician list and workload table was a demo's first surprise;
    # a one-person shop asks for it (or ticks it on the Users page later).
    from django.core.management import call_command

    call_command("ensure_admin", password="First-login-2026", **flags)
    assert User.objects.get(role=Role.ADMIN).is_technician is technician


def test_ensure_admin_says_where_to_log_in(db, capsys):
    from django.core.management import call_command

    call_command("ensure_admin", login_url="http://127.0.0.1:8700/login")
    assert "Log in at http://127.0.0.1:8700/login" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "warned"),
    [
        ({"is_technician": "on"}, True),  # deactivated
        ({"is_active": "on"}, True),  # no longer a technician
        ({"is_active": "on", "is_technician": "on"}, False),  # still takes work
    ],
)
def test_taking_a_technician_off_work_names_the_jobs_they_still_hold(
    change, warned, client_for, owner, technician
):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from devices.models import DeviceStatus
    from devices.tests.factories import DeviceFactory

    held = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    DeviceFactory(status=DeviceStatus.DELIVERED, assigned_to=technician)  # finished: not held
    pk = technician.pk
    data = {f"u{pk}-role": technician.role, **{f"u{pk}-{k}": v for k, v in change.items()}}

    response = client_for(owner).post(reverse("accounts:user_update", args=[pk]), data)

    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    if warned:
        assert len(warnings) == 1
        assert f"still has 1 job in repair ({held.job_number})" in warnings[0]
    else:
        assert warnings == []


def test_deactivating_a_technician_in_the_back_office_names_their_jobs(
    client_for, owner, technician
):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from devices.models import DeviceStatus
    from devices.tests.factories import DeviceFactory

    held = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    url = reverse("admin:accounts_user_change", args=[technician.pk])
    client = client_for(owner)
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and name not in ("password", "is_active")
    }

    response = client.post(url, data)  # is_active left unticked

    assert response.status_code == 302, response.context["adminform"].form.errors
    technician.refresh_from_db()
    assert not technician.is_active
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any(held.job_number in w for w in warnings)


def _back_office_post(client, user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone_number": user.phone_number,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        **changes,
    }
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {k: v for k, v in data.items() if v not in ("", None)},
    )


@pytest.mark.parametrize("change", [{"role": Role.STAFF}, {"is_active": ""}])
def test_the_back_office_refuses_an_admin_taking_away_their_own_access(client_for, owner, change):
    response = _back_office_post(client_for(owner), owner, **change)
    assert response.status_code == 200
    assert "You cannot remove your own admin role" in response.content.decode()
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == (Role.ADMIN, True)


def test_the_back_office_lets_an_admin_demote_another_admin(client_for, owner):
    partner = User.objects.create_user("partner", password="x-Strong-pass-1", role=Role.ADMIN)
    response = _back_office_post(client_for(owner), partner, role=Role.MANAGER)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.role == Role.MANAGER


def test_the_last_active_admin_cannot_lose_the_role_anywhere(owner, manager):
    from django.core.exceptions import ValidationError

    from accounts.services import check_an_admin_remains, user_change_role

    with pytest.raises(ValidationError, match="at least one active admin"):
        check_an_admin_remains(owner.pk, role=Role.ADMIN, is_active=False)
    with pytest.raises(ValidationError, match="at least one active admin"):
        user_change_role(user=owner, role=Role.MANAGER, is_active=True, by=owner)
    check_an_admin_remains(manager.pk, role=Role.STAFF, is_active=False)  # not an admin
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN


def test_the_back_office_cannot_delete_your_own_account_or_users_in_bulk(
    client_for, owner, front_desk
):
    client = client_for(owner)
    assert client.get(f"/admin/accounts/user/{owner.pk}/delete/").status_code == 403
    assert client.get(f"/admin/accounts/user/{front_desk.pk}/delete/").status_code == 200
    assert "delete_selected" not in client.get("/admin/accounts/user/").content.decode()


def test_the_role_groups_are_read_only_in_the_back_office(client_for, owner, manager):
    # accounts.roles owns them: an edit would be undone at the next migrate, a deleted
    # group would lock every manager out.
    group = Group.objects.get(name=Role.MANAGER)
    held = set(group.permissions.values_list("pk", flat=True))
    client = client_for(owner)
    client.raise_request_exception = False
    change = f"/admin/auth/group/{group.pk}/change/"
    assert client.get(change).status_code == 200  # to read what the role may do
    extra = list(held | {999})
    assert client.post(change, {"name": group.name, "permissions": extra}).status_code == 403
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    # A permission id past the integer range was a 500 on the add form.
    added = client.post(
        "/admin/auth/group/add/", {"name": "x", "permissions": ["99999999999999999999"]}
    )
    assert added.status_code == 403
    group.refresh_from_db()
    assert set(group.permissions.values_list("pk", flat=True)) == held
    assert not Group.objects.filter(name="x").exists()
    assert client_for(manager).get("/admin/customers/customer/").status_code == 200


def test_only_an_admin_changes_access_in_the_back_office_whatever_a_group_grants(
    client_for, owner, manager, front_desk
):
    from django.contrib.auth.models import Permission

    # Say the manager's group came to hold the user permissions (a data fix, a future role).
    Group.objects.get(name=Role.MANAGER).permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "add_user", "change_user"])
    )
    client = client_for(manager)
    for change in ({"role": Role.ADMIN}, {"is_active": ""}):
        target = manager if "role" in change else owner
        response = _back_office_post(client, target, **change)
        assert response.status_code == 200
        assert "Only an admin changes people&#x27;s access" in response.content.decode()
    manager.refresh_from_db()
    owner.refresh_from_db()
    assert (manager.role, manager.is_staff, manager.is_superuser) == (Role.MANAGER, True, False)
    assert owner.is_active
    # Details that are not access still change.
    assert _back_office_post(client, front_desk, first_name="Kavitha").status_code == 302
    front_desk.refresh_from_db()
    assert (front_desk.first_name, front_desk.role) == ("Kavitha", Role.STAFF)
    # Adding someone (with a role) or setting another's password is an admin's too.
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newadmin",
            "role": Role.ADMIN,
            "password1": "Long-pass-2026!x",
            "password2": "Long-pass-2026!x",
        },
    )
    assert response.status_code == 200 and not User.objects.filter(username="newadmin").exists()
    assert client.get(f"/admin/accounts/user/{owner.pk}/password/").status_code == 403


def test_a_technician_is_made_in_the_back_office_and_can_receive_work(client_for, owner):
    from devices.selectors import active_technicians

    client = client_for(owner)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "suresh",
            "role": Role.STAFF,
            "is_technician": "on",
            "password1": "Long-pass-2026!x",
            "password2": "Long-pass-2026!x",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    suresh = User.objects.get(username="suresh")
    assert suresh.is_technician and suresh in active_technicians()
    # Taken off work on the change form: no longer offered.
    assert _back_office_post(client, suresh).status_code == 302  # "technician" unticked
    suresh.refresh_from_db()
    assert not suresh.is_technician and suresh not in active_technicians()
    assert _back_office_post(client, suresh, is_technician="on").status_code == 302
    suresh.refresh_from_db()
    assert suresh.is_technician and suresh in active_technicians()
