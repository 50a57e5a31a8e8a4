from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, UserCreationForm
from django.core.validators import MaxLengthValidator

from telite.phone import normalize_phone

from .models import Role, User


class LoginForm(AuthenticationForm):
    # One message whether the username exists or not, so a failed login reveals nothing.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The username or password is not correct. Check both and try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the username's max_length after making the field, so no
        # validator checks it: a longer name went on to the lockout log, whose column
        # PostgreSQL limits to 255 characters, and the login page failed.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class _WeakPasswordUnderItsOwnBox:
    """Django shows "too short", "too common" and the like under the confirmation box, next
    to a password that only repeats the one to fix; they go under the new password instead.
    A mismatch of the two stays under the confirmation."""

    _CONFIRMED = {"password2": "password1", "new_password2": "new_password1"}

    def validate_password_for_user(self, user, password_field_name="password2", **kwargs):  # noqa: S107 (a field name)
        first = self._CONFIRMED.get(password_field_name, password_field_name)
        super().validate_password_for_user(user, password_field_name=first, **kwargs)


class OwnPasswordChangeForm(_WeakPasswordUnderItsOwnBox, PasswordChangeForm):
    """Anyone changes their own password: the current one first, then the new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"


class RegisterForm(_WeakPasswordUnderItsOwnBox, UserCreationForm):
    """An admin registers a colleague: username, phone, role and a first password."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "phone_number", "role", "is_technician")
        labels = {"first_name": "First name", "last_name": "Last name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone_number"].required = True
        self.fields["phone_number"].widget.attrs.update(
            {"inputmode": "tel", "placeholder": "98450 12345"}
        )
        self.fields["role"].initial = Role.STAFF
        # "usable_password" would let an admin create a user with no password: not wanted here.
        self.fields.pop("usable_password", None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("username", css_class="col-md-6"),
                Column("phone_number", css_class="col-md-6"),
            ),
            Row(
                Column("first_name", css_class="col-md-6"),
                Column("last_name", css_class="col-md-6"),
            ),
            Row(
                Column("role", css_class="col-md-6"),
                Column("is_technician", css_class="col-md-6 pt-md-4"),
            ),
            Row(
                Column("password1", css_class="col-md-6"), Column("password2", css_class="col-md-6")
            ),
        )

    def clean_phone_number(self):
        phone = normalize_phone(self.cleaned_data["phone_number"])
        if User.objects.filter(phone_number=phone).exists():
            raise forms.ValidationError("A user with this phone number already exists.")
        return phone


class UserRoleForm(forms.ModelForm):
    """Change a colleague's role or switch their account off."""

    class Meta:
        model = User
        fields = ("role", "is_technician", "is_active")
        labels = {"is_active": "Active (may log in)"}

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user

    def clean(self):
        cleaned = super().clean()
        check_own_access(self.acting_user, self.instance, cleaned)
        return cleaned


def check_own_access(acting_user, user, cleaned: dict) -> None:
    """An admin does not take away their own access by mistake: another admin does it."""
    if acting_user and user.pk == acting_user.pk:
        if cleaned.get("role") != Role.ADMIN or not cleaned.get("is_active"):
            raise forms.ValidationError(
                "You cannot remove your own admin role or deactivate yourself; ask another admin."
            )
