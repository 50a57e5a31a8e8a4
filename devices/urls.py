from django.urls import path

from telite.urls_util import route

from . import views

app_name = "devices"

urlpatterns = [
    route("add_device", views.add_device, name="add_device"),
    route("device_assign", views.device_assign, name="device_assign"),
    route("service/<int:pk>", views.service, name="service"),
    path("service/<id:pk>/parts/", views.part_add, name="part_add"),
    path("service/<id:pk>/parts/<id:part_id>/delete/", views.part_delete, name="part_delete"),
    path("service/<id:pk>/parts/<id:part_id>/change/", views.part_change, name="part_change"),
    path("service/<id:pk>/photos/", views.photos_add, name="photos_add"),
    path("service/<id:pk>/reassign/", views.reassign, name="reassign"),
    route("device_time_overlap", views.overdue, name="overdue"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/<id:pk>/slip/", views.intake_slip, name="slip"),
    path("devices/<id:pk>/tell/<slug:kind>/", views.tell_customer, name="tell_customer"),
    path("devices/photos/<id:pk>/", views.photo, name="photo"),
]
