from django.urls import path

from telite.urls_util import route

from . import views

app_name = "billing"

urlpatterns = [
    # The original system's routes (bookmarks): with or without a trailing slash.
    route("close_device", views.close_device, name="close_device"),
    route("delivery_ready", views.delivery_ready, name="delivery_ready"),
    route("closed_devices", views.closed_devices, name="closed_devices"),
    route("print_bill/<int:pk>", views.print_bill, name="print_bill"),
    route("print_bill/<int:pk>/pdf", views.bill_pdf, name="bill_pdf"),
    # New pages.
    path("payments/", views.payment_list, name="payment_list"),
    route("bills/device/<int:pk>/payment", views.take_payment, name="take_payment"),
    route("bills/device/<int:pk>/deliver", views.deliver, name="deliver"),
    route("bills/device/<int:pk>/return", views.return_device, name="return_device"),
    route("bills/device/<int:pk>/reopen", views.reopen, name="reopen"),
    route("bills/<int:pk>/correct", views.correct_bill, name="correct_bill"),
    route("payments/<int:pk>/reverse", views.reverse_payment, name="reverse_payment"),
    path("shop/logo", views.shop_logo, name="shop_logo"),
]
