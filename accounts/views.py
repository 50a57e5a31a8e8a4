from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from telite.forms_util import form_error_text
from telite.permissions import ADMINS, STAFF, post_only, role_required
from telite.urls_util import is_own_page

from .forms import LoginForm, OwnPasswordChangeForm, RegisterForm, UserRoleForm
from .models import User
from .services import user_change_role, warn_of_jobs_left_behind


class TeliteLoginView(LoginView):
    """Anyone. Failures are counted and locked out by django-axes."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        """``next`` only when it is a page of this site ("/devices/"). Django also accepts
        a relative address ("0", "devices"), which would land on a page that does not
        exist; those, like other hosts, go to the dashboard."""
        url = super().get_redirect_url()
        return url if is_own_page(url) else ""


@require_http_methods(["GET", "POST"])
def logout_view(request):
    """Anyone. GET asks for confirmation; only POST (with CSRF) logs out."""
    if request.method == "POST":
        logout(request)
        messages.success(request, "You have been logged out.")
        return redirect("accounts:login")
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "accounts/logout_confirm.html")


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Every role: change one's own password (the admin typed the first one at
    registration). The current password is asked first; this browser stays logged in,
    other browsers where the account was logged in are logged out."""
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed. Use the new one from now on.")
        return redirect("dashboard")
    return render(request, "accounts/password_change.html", {"form": form})


@role_required(ADMINS)
@require_http_methods(["GET", "POST"])
def register(request):
    """Admins only: register a colleague with a role."""
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, f"User {user.username} registered as {user.get_role_display()}.")
        return redirect("accounts:user_list")
    return render(request, "accounts/register.html", {"form": form})


@role_required(ADMINS)
def user_list(request):
    """Admins only: every user with their role and status."""
    users = User.objects.order_by("-is_active", "role", "username")
    rows = [(u, UserRoleForm(instance=u, prefix=f"u{u.pk}")) for u in users]
    return render(request, "accounts/user_list.html", {"rows": rows})


@role_required(ADMINS)
@post_only(lambda request, pk: reverse("accounts:user_list"))
def user_update(request, pk):
    """Admins only: change a user's role or deactivate them."""
    target = get_object_or_404(User, pk=pk)
    form = UserRoleForm(request.POST, instance=target, prefix=f"u{pk}", acting_user=request.user)
    if form.is_valid():
        try:
            user_change_role(
                user=target,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                is_technician=form.cleaned_data["is_technician"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{target.username} updated.")
            warn_of_jobs_left_behind(request, target)
    else:
        messages.error(request, form_error_text(form))
    return redirect("accounts:user_list")
