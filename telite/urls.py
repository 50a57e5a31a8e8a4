from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from telite import views
from telite.urls_util import route


def healthz(request):
    """Anyone: load balancers and uptime checks."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False), name="home"),
    route("dashboard", views.dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("customers.urls")),
    path("", include("devices.urls")),
    path("", include("billing.urls")),
    path("crm/", include("crm.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "telite.views.permission_denied"
handler404 = "telite.views.page_not_found"
handler500 = "telite.views.server_error"
