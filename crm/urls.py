from django.urls import path

import telite.urls_util  # noqa: F401  (the <id:…> converter)

from . import views

app_name = "crm"

urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("new/", views.lead_create, name="lead_create"),
    path("metrics/", views.lead_metrics, name="lead_metrics"),
    path("<id:pk>/", views.lead_detail, name="lead_detail"),
    path("<id:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("<id:pk>/notes/", views.lead_add_note, name="lead_add_note"),
    path("<id:pk>/status/", views.lead_change_status, name="lead_change_status"),
    path("<id:pk>/convert/", views.lead_convert, name="lead_convert"),
]
