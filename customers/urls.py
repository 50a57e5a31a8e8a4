from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/lookup/", views.customer_lookup, name="lookup"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
]
