from django.core.management.base import BaseCommand, CommandError

from telite.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive made by `manage.py backup` into this (migrated) database "
        "and MEDIA_ROOT. Run `manage.py migrate` first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path to telite-backup-<timestamp>.tar.gz")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Wipe the business data already in this database before restoring.",
        )

    def handle(self, *args, archive, replace=False, **options):
        try:
            manifest = read_manifest(archive)
            restored = restore_backup(archive, replace=replace)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        total = sum(restored.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {total} rows from a {manifest['engine']} backup made "
                f"{manifest['created_at']}."
            )
        )
