import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Role, User

logger = logging.getLogger("telite.accounts")


LAST_ADMIN = "The shop needs at least one active admin."


def active_admin_pks(*, lock: bool = False) -> list[int]:
    """The active admins, by pk (``lock``: their rows locked, in pk order)."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")
    if lock:
        admins = admins.select_for_update()
    return list(admins.values_list("pk", flat=True))


def check_an_admin_remains(user_pk: int, *, role: str, is_active: bool) -> None:
    """Refuse to leave the shop without an active admin: nobody could then manage users or
    the shop's settings. ``user_pk`` is about to get ``role`` and ``is_active``. The Users
    page and the back office both ask this, inside the transaction that saves the user.

    Every active admin's row is locked, in one order, before the user's own: two admins
    demoting each other at once wait for each other instead of both succeeding (or
    deadlocking)."""
    if role == Role.ADMIN and is_active:
        return
    if active_admin_pks(lock=True) == [user_pk]:
        raise ValidationError(LAST_ADMIN)


@transaction.atomic
def user_change_role(
    *, user: User, role: str, is_active: bool, by: User, is_technician: bool | None = None
) -> User:
    """Change a user's role or active flag. The shop always keeps one active admin."""
    check_an_admin_remains(user.pk, role=role, is_active=is_active)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = (user.role, user.is_active)
    user.role = role
    user.is_active = is_active
    if is_technician is not None:
        user.is_technician = is_technician
    user.save()
    logger.info(
        "user %s changed by %s: role %s->%s active %s->%s",
        user.username,
        by.username,
        before[0],
        role,
        before[1],
        is_active,
    )
    return user


def warn_of_jobs_left_behind(request, user) -> None:
    """Someone who no longer takes work (deactivated, or no longer a technician) may still
    hold jobs in repair: nobody would work on them until they went overdue. Said after the
    Users page or the back office saves them."""
    from django.contrib import messages
    from django.template.defaultfilters import pluralize

    from devices.selectors import jobs_in_repair_of

    user.refresh_from_db(fields=["is_active", "is_technician"])
    if user.is_active and user.is_technician:
        return
    jobs = jobs_in_repair_of(user)
    if not jobs:
        return
    shown = ", ".join(jobs[:5]) + (f" and {len(jobs) - 5} more" if len(jobs) > 5 else "")
    messages.warning(
        request,
        f"{user} still has {len(jobs)} job{pluralize(len(jobs))} in repair ({shown}). "
        "Hand each to another technician from its page (Technician and promised date); "
        "the device list finds them all with the technician filter.",
    )
