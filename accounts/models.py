from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from telite.phone import format_phone, normalize_phone


class Role(models.TextChoices):
    ADMIN = "admin", "Admin (owner)"
    MANAGER = "manager", "Manager"
    STAFF = "staff", "Staff (front desk / technician)"


class TeliteUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who works at the shop. The role decides groups and admin access (SPEC §5)."""

    phone_number = models.CharField(
        "phone number",
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text="Mobile number, stored as +91…; used to reach the person, must be unique.",
    )
    role = models.CharField(
        "role",
        max_length=10,
        choices=Role.choices,
        default=Role.STAFF,
        help_text="Staff: takes devices in, repairs, closes bills, takes payments and delivers. "
        "Manager: also assigns and reassigns work, changes closed bills, reopens jobs and uses "
        "the back office. Admin: everything, including users and shop settings.",
    )

    is_technician = models.BooleanField(
        "technician",
        default=False,
        help_text="Repairs devices: appears in the list of people work can be assigned to.",
    )

    objects = TeliteUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = "user"

    def __str__(self):
        full = self.get_full_name()
        return full or self.username

    @property
    def user_level(self) -> str:
        """The original system's name for the role."""
        return self.role

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone_number or "")

    def clean(self):
        super().clean()
        if self.phone_number:
            self.phone_number = normalize_phone(self.phone_number)

    def save(self, *args, **kwargs):
        if self.phone_number:
            self.phone_number = normalize_phone(self.phone_number)
        else:
            self.phone_number = None
        # The role is the single source of truth for back-office access.
        self.is_staff = self.role in (Role.MANAGER, Role.ADMIN)
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)
        from .roles import assign_role_group

        assign_role_group(self)
