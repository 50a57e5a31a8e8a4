from django.urls import path

from telite.urls_util import route

from . import views

app_name = "accounts"

urlpatterns = [
    route("login", views.TeliteLoginView.as_view(), name="login"),
    route("logout", views.logout_view, name="logout"),
    route("register", views.register, name="register"),
    route("password", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/<id:pk>/", views.user_update, name="user_update"),
]
