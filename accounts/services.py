import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Role, User

logger = logging.getLogger("telite.accounts")


@transaction.atomic
def user_change_role(
    *, user: User, role: str, is_active: bool, by: User, is_technician: bool | None = None
) -> User:
    """Change a user's role or active flag. The shop always keeps one active admin."""
    user = User.objects.select_for_update().get(pk=user.pk)
    losing_admin = user.role == Role.ADMIN and (role != Role.ADMIN or not is_active)
    if losing_admin:
        others = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()
        if not others:
            raise ValidationError("The shop needs at least one active admin.")
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
