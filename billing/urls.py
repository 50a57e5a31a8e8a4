from telite.urls_util import route

from . import views

app_name = "billing"

urlpatterns = [
    route("close_device", views.close_device, name="close_device"),
    route("delivery_ready", views.delivery_ready, name="delivery_ready"),
    route("closed_devices", views.closed_devices, name="closed_devices"),
    route("print_bill/<int:pk>", views.print_bill, name="print_bill"),
    route("print_bill/<int:pk>/pdf", views.bill_pdf, name="bill_pdf"),
]
