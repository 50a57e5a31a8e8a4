from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from telite.backup import create_backup, prune, upload_to_s3


class Command(BaseCommand):
    help = (
        "Write a timestamped backup of the database and uploaded files to BACKUP_DIR "
        "(and to S3-compatible storage when BACKUP_S3_BUCKET is set)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help=f"Folder to write to (default {settings.BACKUP_DIR}).")
        parser.add_argument(
            "--keep",
            type=int,
            default=settings.BACKUP_KEEP,
            help="Keep this many newest archives in the folder (0 keeps all).",
        )

    def handle(self, *args, dir=None, keep=0, **options):
        target = Path(dir or settings.BACKUP_DIR)
        path = create_backup(target)
        size_mb = path.stat().st_size / 1024 / 1024
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({size_mb:.1f} MB)"))
        remote = upload_to_s3(path)
        if remote:
            self.stdout.write(f"Copied to {remote}")
        for old in prune(target, keep):
            self.stdout.write(f"Removed old backup {old.name}")
