import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


def image_upload(name="front.jpg", fmt="JPEG", size=(64, 48), content_type="image/jpeg"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def text_pretending_to_be_jpeg(name="photo.jpg"):
    return SimpleUploadedFile(
        name, b"this is not an image at all\n" * 10, content_type="image/jpeg"
    )


def intake_data(**overrides):
    """A complete intake form as the clerk would send it."""
    data = {
        "intake_key": str(uuid.uuid4()),
        "whatsapp_number": "98450 12345",
        "name": "John Doe",
        "location": "Jayanagar",
        "email": "",
        "device_name": "Laptop",
        "brand": "HP",
        "model": "Pavilion 15",
        "serial_number": "5CD1234XYZ",
        "issue_description": "No power on",
        "accessories": "Charger, bag",
        "condition": "Scratches on lid",
        "password_note": "",
        "expected_delivery_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "expected_budget": "2500",
        "advance_amount": "",
        "advance_mode": "cash",
        "advance_reference": "",
    }
    data.update(overrides)
    return data
