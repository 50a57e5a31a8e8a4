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
