import pytest

from accounts.models import Role, User

pytestmark = pytest.mark.django_db

REGISTER = "/register"


def _data(**overrides):
    data = {
        "username": "newtech",
        "first_name": "Sanjay",
        "last_name": "K",
        "phone_number": "98450 11111",
        "role": Role.STAFF,
        "is_technician": "on",
        "password1": "Motherboard-77",
        "password2": "Motherboard-77",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["manager", "technician", "front_desk"])
def test_register_is_refused_to_non_admins(client_for, personas, persona):
    client = client_for(personas[persona])
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, _data()).status_code == 403
    assert not User.objects.filter(username="newtech").exists()


def test_register_sends_anonymous_to_login(anonymous):
    response = anonymous.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_admin_registers_a_technician_with_normalised_phone(client_for, owner):
    response = client_for(owner).post(REGISTER, _data())
    assert response.status_code == 302
    user = User.objects.get(username="newtech")
    assert user.phone_number == "+919845011111"
    assert user.role == Role.STAFF and user.is_technician
    assert user.check_password("Motherboard-77")
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]


def test_taken_username_is_named_and_typed_values_kept(client_for, owner, front_desk):
    response = client_for(owner).post(REGISTER, _data(username="desk"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors and "already exists" in form.errors["username"][0]
    assert b'value="98450 11111"' in response.content


def test_taken_phone_in_another_format_is_refused(client_for, owner, front_desk):
    taken = front_desk.phone_number  # stored as +91…
    response = client_for(owner).post(REGISTER, _data(phone_number=taken.removeprefix("+")))
    form = response.context["form"]
    assert form.errors["phone_number"] == ["A user with this phone number already exists."]
    assert b'value="newtech"' in response.content


def test_invalid_phone_and_weak_password_are_explained(client_for, owner):
    response = client_for(owner).post(
        REGISTER, _data(phone_number="12345", password1="123", password2="123")
    )
    form = response.context["form"]
    assert "valid mobile number" in form.errors["phone_number"][0]
    assert "too short" in " ".join(form.errors["password1"]) and "password2" not in form.errors
    assert not User.objects.filter(username="newtech").exists()


def test_role_help_follows_who_may_do_what(client_for, owner):
    # SPEC §5: every staff member closes bills; managers change closed bills and reopen jobs.
    html = client_for(owner).get(REGISTER).content.decode()
    staff, manager = html.split("Staff: ", 1)[1].split("Manager: ", 1)
    assert "closes bills" in staff
    assert "closes bills" not in manager.split("Admin: ", 1)[0]
    assert "changes closed bills" in manager and "reopens jobs" in manager
