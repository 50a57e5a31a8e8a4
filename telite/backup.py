"""Backups of the whole shop: the database and the uploaded files, in one archive.

An archive ``telite-backup-<UTC timestamp>.tar.gz`` holds:

- ``manifest.json``: when, from which database engine, the row count of every table;
- ``data.telitejson``: every row (Django's serialisation, natural keys), readable by any engine,
  so a SQLite backup restores into PostgreSQL and back;
- ``media/``: uploaded files (device photos, shop logo, stored bill PDFs).

The dump is read inside one REPEATABLE READ transaction on PostgreSQL, so it is a consistent
snapshot while clerks keep working. Restore refuses a database that already holds business
data unless told to replace it, loads everything in one transaction, resets the id sequences
and checks the row counts against the manifest.
"""

import io
import json
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

FORMAT_VERSION = 1
# Rebuilt by migrate itself; dumping them would clash with the rows migrate creates. The
# data version (telite/pagecache.py) is not data: a restore's own writes give it a new token.
EXCLUDED = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "telite.dataversion",
}


class BackupError(Exception):
    pass


def _models():
    for model in apps.get_models(include_auto_created=False):
        label = model._meta.label_lower
        if label in EXCLUDED or model._meta.proxy or not model._meta.managed:
            continue
        yield model


def table_counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in _models()}


def _snapshot():
    """A transaction in which every read sees the same moment."""
    outer = connection.in_atomic_block
    atomic = transaction.atomic()
    atomic.__enter__()
    if connection.vendor == "postgresql" and not outer:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    return atomic


def create_backup(target_dir: Path | str | None = None) -> Path:
    """Write a backup archive into ``target_dir`` (BACKUP_DIR) and return its path."""
    target = Path(target_dir or settings.BACKUP_DIR)
    target.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    final = target / f"telite-backup-{stamp}.tar.gz"
    partial = final.with_suffix(".partial")
    atomic = _snapshot()
    try:
        counts = table_counts()
        data = io.StringIO()
        call_command(
            "dumpdata",
            exclude=sorted(EXCLUDED),
            format="telitejson",
            natural_foreign=True,
            natural_primary=False,
            stdout=data,
            verbosity=0,
        )
    finally:
        atomic.__exit__(None, None, None)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "engine": connection.vendor,
        "counts": counts,
    }
    with tarfile.open(partial, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add_bytes(archive, "data.telitejson", data.getvalue().encode())
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            archive.add(media, arcname="media", filter=_skip_links)
    os.replace(partial, final)  # a half-written archive never carries the final name
    return final


def _skip_links(info: tarfile.TarInfo):
    return None if info.issym() or info.islnk() else info


def _add_bytes(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(payload))


def read_manifest(path: Path | str) -> dict:
    with tarfile.open(path, "r:gz") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise BackupError(f"{path} is not a TELITE backup (no manifest).")
        return json.load(member)


def has_business_data() -> bool:
    from customers.models import Customer
    from devices.models import Device

    return Customer.objects.exists() or Device.objects.exists()


def restore_backup(path: Path | str, *, replace: bool = False) -> dict[str, int]:
    """Restore ``path`` into the current (migrated) database and MEDIA_ROOT.

    Returns the restored row counts, which equal the manifest's or the restore is undone.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r}.")
    if has_business_data() and not replace:
        raise BackupError(
            "This database already holds customers or devices. Restore into an empty, "
            "migrated database, or pass --replace to wipe it first."
        )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(tmpdir, filter="data")
        with transaction.atomic():
            _empty_tables()
            # loaddata saves raw rows (no save() side effects), in dependency order, and
            # resolves natural keys as it goes.
            call_command("loaddata", str(tmpdir / "data.telitejson"), verbosity=0)
            _reset_sequences()
            restored = table_counts()
            expected = manifest["counts"]
            diff = {
                k: (expected.get(k), restored.get(k))
                for k in expected
                if expected.get(k) != restored.get(k)
            }
            if diff:
                raise BackupError(f"Row counts differ after restore (expected, found): {diff}")
        media_src = tmpdir / "media"
        if media_src.is_dir():
            shutil.copytree(media_src, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return restored


def _empty_tables() -> None:
    """Delete every business row (children first) so the backup's rows fit exactly."""
    models = list(_models())
    with connection.constraint_checks_disabled():
        for model in reversed(models):
            model._base_manager.all()._raw_delete(model._base_manager.db)
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                through._base_manager.all()._raw_delete(through._base_manager.db)


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(_models()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def upload_to_s3(path: Path) -> str | None:
    """Copy the archive to S3-compatible storage when BACKUP_S3_BUCKET is set."""
    bucket = settings.BACKUP_S3_BUCKET
    if not bucket:
        return None
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
        region_name=settings.BACKUP_S3_REGION or None,
        aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY or None,
    )
    key = f"{settings.BACKUP_S3_PREFIX.strip('/')}/{path.name}".lstrip("/")
    client.upload_file(str(path), bucket, key)
    return f"s3://{bucket}/{key}"


def prune(target_dir: Path | str, keep: int) -> list[Path]:
    """Keep the newest ``keep`` archives in ``target_dir``; return what was removed."""
    archives = sorted(Path(target_dir).glob("telite-backup-*.tar.gz"))
    removed = archives[:-keep] if keep and len(archives) > keep else []
    for old in removed:
        old.unlink()
    return removed
