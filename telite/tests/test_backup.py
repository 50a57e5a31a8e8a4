import tarfile
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from billing.models import Bill, Payment
from devices.models import DevicePhoto
from devices.tests.factories import DeviceFactory, SparePartFactory
from telite import backup

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot_rows():
    # Permissions and content types are rebuilt by migrate with new ids: compare by identity.
    return {
        model._meta.label_lower: serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in backup._models()
    }


def _fill(owner):
    part = SparePartFactory(name="Keyboard", quantity=2, unit_cost=Decimal("750.50"))
    device = part.service.device
    DevicePhoto.objects.create(
        device=device, uploaded_by=owner, image=ContentFile(b"\x89PNG fake", name="front.png")
    )
    bill = Bill.objects.create(
        device=device,
        number="TB/2026-27/00001",
        financial_year="2026-27",
        sequence=1,
        issued_by=owner,
        subtotal=Decimal("1501.00"),
        bill_value=Decimal("1501.00"),
        amount_received=Decimal("500.00"),
    )
    Payment.objects.create(
        device=device, bill=bill, amount=Decimal("500.00"), mode="upi", received_by=owner
    )
    DeviceFactory.create_batch(3)
    return device


def test_backup_then_restore_into_empty_database_gives_every_row_back(owner, tmp_path, settings):
    device = _fill(owner)
    before = _snapshot_rows()
    photo_name = device.photos.get().image.name

    archive = backup.create_backup(tmp_path / "backups")
    assert archive.name.startswith("telite-backup-") and archive.suffixes == [".tar", ".gz"]

    call_command("flush", interactive=False, verbosity=0)
    (tmp_path / "media" / photo_name).unlink()
    assert not backup.has_business_data()

    call_command("restore", str(archive), verbosity=0)

    assert _snapshot_rows() == before
    assert (tmp_path / "media" / photo_name).read_bytes() == b"\x89PNG fake"


def test_restored_database_keeps_allocating_new_ids(owner, tmp_path):
    _fill(owner)
    archive = backup.create_backup(tmp_path)
    highest = max(Payment.objects.values_list("pk", flat=True))
    call_command("flush", interactive=False, verbosity=0)
    backup.restore_backup(archive)
    device = Payment.objects.get().device
    new = Payment.objects.create(
        device=device, amount=Decimal("1.00"), mode="cash", received_by=device.added_by
    )
    assert new.pk > highest


def test_restore_refuses_a_database_with_data_unless_replacing(owner, tmp_path):
    _fill(owner)
    archive = backup.create_backup(tmp_path)
    with pytest.raises(CommandError, match="already holds customers"):
        call_command("restore", str(archive), verbosity=0)
    DeviceFactory()  # data added after the backup is wiped by --replace
    call_command("restore", str(archive), replace=True, verbosity=0)
    assert backup.table_counts() == backup.read_manifest(archive)["counts"]


def test_backup_archive_holds_manifest_data_and_media(owner, tmp_path):
    _fill(owner)
    archive = backup.create_backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", "data.telitejson"} <= set(names)
    assert any(n.startswith("media/device-photos/") for n in names)
    counts = backup.read_manifest(archive)["counts"]
    assert counts["devices.device"] == 4 and counts["billing.payment"] == 1


def test_backup_command_keeps_only_the_newest_archives(owner, tmp_path):
    for stamp in ("20250101-000000", "20250102-000000", "20250103-000000"):
        (tmp_path / f"telite-backup-{stamp}.tar.gz").write_bytes(b"old")
    call_command("backup", dir=str(tmp_path), keep=2, verbosity=0)
    left = sorted(p.name for p in tmp_path.glob("telite-backup-*.tar.gz"))
    assert len(left) == 2
    assert "telite-backup-20250103-000000.tar.gz" in left


def test_backup_is_copied_to_s3_when_configured(owner, tmp_path, settings):
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    settings.BACKUP_S3_BUCKET = "shop-backups"
    settings.BACKUP_S3_REGION = "ap-south-1"
    settings.BACKUP_S3_ACCESS_KEY_ID = "testing"
    settings.BACKUP_S3_SECRET_ACCESS_KEY = "testing"
    with moto.mock_aws():
        client = boto3.client("s3", region_name="ap-south-1")
        client.create_bucket(
            Bucket="shop-backups",
            CreateBucketConfiguration={"LocationConstraint": "ap-south-1"},
        )
        archive = backup.create_backup(tmp_path)
        url = backup.upload_to_s3(archive)
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="shop-backups")["Contents"]]
    assert url == f"s3://shop-backups/telite/{archive.name}"
    assert keys == [f"telite/{archive.name}"]
