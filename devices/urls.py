from django.urls import path

from telite.urls_util import route

from . import views

app_name = "devices"

urlpatterns = [
    route("add_device", views.add_device, name="add_device"),
    route("device_assign", views.device_assign, name="device_assign"),
    route("service/<int:pk>", views.service, name="service"),
    route("device_time_overlap", views.overdue, name="overdue"),
    path("devices/", views.device_list, name="device_list"),
]
