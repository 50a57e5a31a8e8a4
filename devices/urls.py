from django.urls import path

from telite.urls_util import route

from . import views

app_name = "devices"

urlpatterns = [
    route("add_device", views.add_device, name="add_device"),
    route("device_assign", views.device_assign, name="device_assign"),
    route("service/<int:pk>", views.service, name="service"),
    path("service/<int:pk>/parts/", views.part_add, name="part_add"),
    path("service/<int:pk>/parts/<int:part_id>/delete/", views.part_delete, name="part_delete"),
    path("service/<int:pk>/parts/<int:part_id>/change/", views.part_change, name="part_change"),
    path("service/<int:pk>/photos/", views.photos_add, name="photos_add"),
    path("service/<int:pk>/reassign/", views.reassign, name="reassign"),
    route("device_time_overlap", views.overdue, name="overdue"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/<int:pk>/slip/", views.intake_slip, name="slip"),
    path("devices/photos/<int:pk>/", views.photo, name="photo"),
]
