from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("new/", views.lead_create, name="lead_create"),
]
