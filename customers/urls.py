from django.urls import path

import telite.urls_util  # noqa: F401  (the <id:…> converter)

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/lookup/", views.customer_lookup, name="lookup"),
    path("customers/<id:pk>/", views.customer_detail, name="customer_detail"),
]
