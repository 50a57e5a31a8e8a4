"""Device pages, split by topic: intake (and the slip), lists (device list, assignment,
overdue), the service page (with spare parts and photos)."""

from .intake import add_device, intake_slip
from .lists import device_assign, device_list, overdue
from .service import (
    part_add,
    part_change,
    part_delete,
    photo,
    photos_add,
    reassign,
    service,
    tell_customer,
)

__all__ = [
    "add_device",
    "device_assign",
    "device_list",
    "intake_slip",
    "overdue",
    "part_add",
    "part_change",
    "part_delete",
    "photo",
    "photos_add",
    "reassign",
    "service",
    "tell_customer",
]
