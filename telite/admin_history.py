"""The audit history in the back office, read-only unless a model says otherwise.

django-simple-history's "revert to this version" page (``…/history/<history_id>/``) saves
the old version when it is POSTed to, even where its button is hidden, and it saves
through the admin form, not through the services that record a change on the device or
lead timeline. So the history of customers, devices, services, leads, bills and payments
can be looked at (who changed what, when) but not written back from there: a correction
is made on the record's own page, where the services record it.
"""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class GuardedHistoryAdmin(SimpleHistoryAdmin):
    """History visible; reverting only where ``allow_revert`` is set, and then only by
    someone who may change the record."""

    allow_revert = False

    def revert_disabled(self, request, obj=None):
        return not self.allow_revert or super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not (
            self.allow_revert and self.has_change_permission(request)
        ):
            raise PermissionDenied(
                "An old version is shown for reference only. Change the record on its own page."
            )
        return super().history_form_view(request, object_id, version_id, extra_context)
