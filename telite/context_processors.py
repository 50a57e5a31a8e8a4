from django.utils.functional import SimpleLazyObject

from telite.permissions import MANAGERS, has_role


def shop(request):
    """Shop settings and the role flags the navigation needs, on every page."""
    from billing.selectors import shop_settings

    user = getattr(request, "user", None)
    return {
        "shop": SimpleLazyObject(shop_settings),
        "is_manager": bool(user and has_role(user, MANAGERS)),
        "is_admin_role": bool(user and user.is_authenticated and user.role == "admin"),
    }
