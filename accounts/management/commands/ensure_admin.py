import secrets

from django.core.management.base import BaseCommand

from accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Create a first admin when the shop has no active admin, and print its login. "
        "Does nothing when an admin exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="Default: a random one, printed once.")
        parser.add_argument(
            "--technician",
            action="store_true",
            help="Also make the admin a technician work can be assigned to (a one-person "
            "shop). Otherwise the owner stays out of every technician list.",
        )
        parser.add_argument(
            "--login-url",
            default="/login",
            help="Where the printed message says to log in (make run gives its address).",
        )

    def handle(self, *args, username, password, login_url, technician, **options):
        if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
            self.stdout.write("An admin already exists; log in with that account.")
            return
        password = password or secrets.token_urlsafe(9)
        User.objects.create_superuser(
            username=username, password=password, is_technician=technician
        )
        line = "=" * 60
        self.stdout.write(
            self.style.SUCCESS(
                f"\n{line}\n  First admin created. Log in at {login_url}\n"
                f"    username: {username}\n    password: {password}\n"
                f"  Change the password after logging in (Back office → Users).\n{line}\n"
            )
        )
