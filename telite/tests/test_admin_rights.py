"""Who may add, change and delete what in the back office (SPEC §5: managers and admins use
it; money and timelines are never rewritten there). Every registered model is listed: a new
one must be given its rights here."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

NOTHING = ""
# Per model: what a manager may do, what the owner (admin) may do ("a"dd, "c"hange, "d"elete).
RIGHTS = {
    # The role groups, read-only: accounts.roles owns them (resets them at every migrate).
    "auth.Group": (NOTHING, NOTHING),
    "axes.AccessAttempt": (NOTHING, "cd"),  # the owner lifts a lockout
    "axes.AccessLog": (NOTHING, "cd"),
    "axes.AccessFailureLog": (NOTHING, "cd"),
    "accounts.User": (NOTHING, "acd"),
    "customers.Customer": ("acd", "acd"),  # one with devices cannot go (protected)
    "devices.Device": ("c", "c"),
    "devices.Service": ("c", "c"),
    "billing.ShopSettings": (NOTHING, "ac"),
    "billing.Bill": (NOTHING, NOTHING),
    "billing.Payment": (NOTHING, NOTHING),
    "billing.Refund": (NOTHING, NOTHING),
    "crm.Lead": ("acd", "acd"),
    "crm.LeadNote": (NOTHING, NOTHING),
}


def _rights(model_admin, user) -> str:
    request = RequestFactory().get("/admin/")
    request.user = user
    return "".join(
        letter
        for letter, allowed in (
            ("a", model_admin.has_add_permission(request)),
            ("c", model_admin.has_change_permission(request)),
            ("d", model_admin.has_delete_permission(request)),
        )
        if allowed
    )


def test_every_back_office_model_has_its_rights_written_down():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(RIGHTS)


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_managers_and_the_owner_have_exactly_these_rights(request, who):
    user = request.getfixturevalue(who)
    column = 0 if who == "manager" else 1
    got = {
        model._meta.label: _rights(model_admin, user)
        for model, model_admin in admin.site._registry.items()
    }
    assert got == {label: rights[column] for label, rights in RIGHTS.items()}
