"""The audit history in the back office, read-only unless a model says otherwise.

django-simple-history's "revert to this version" page (``…/history/<history_id>/``) saves
the old version when it is POSTed to, even where its button is hidden, and it saves
through the admin form, not through the services that record a change on the device or
lead timeline. So the history of customers, devices, services, leads, bills and payments
can be looked at (who changed what, when) but not written back from there: a correction
is made on the record's own page, where the services record it.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from telite.forms_util import MoneyField
from telite.urls_util import is_id


class ReadOnlyAdminMixin:
    """View only: no add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MoneyFieldsMixin:
    """Money in the back office reads as it does in the app ("1500/-", "₹1,500"): a number
    box sends nothing for what it cannot read, and an optional amount (the staff discount
    limit) was then saved as empty, that is as "no limit"."""

    formfield_overrides = {models.DecimalField: {"form_class": MoneyField}}


def _may_view_users(request) -> bool:
    from django.contrib.auth import get_user_model

    opts = get_user_model()._meta
    return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


class PeopleNamesMixin:
    """A person shown read-only (technician, added by, updated by, issued by…) is a link to
    their user page, which answers 403 to whoever may not view users (managers): for them
    the name is shown without the link, on the change page and its inlines. Display only:
    the forms are built as before."""

    def render_change_form(self, request, context, *args, **kwargs):
        if not _may_view_users(request):
            for shown in [context.get("adminform"), *context.get("inline_admin_formsets", [])]:
                if shown is not None:
                    _names_without_links(shown)
        return super().render_change_form(request, context, *args, **kwargs)


_PLAIN_PEOPLE: dict = {}


def _names_without_links(shown) -> None:
    """Swap, in an AdminForm or InlineAdminFormSet, the read-only user fields for plain
    names (the same callable in its fieldsets and read-only fields: matched by identity)."""
    from django.contrib.auth import get_user_model

    model = shown.formset.model if hasattr(shown, "formset") else shown.form._meta.model
    if model not in _PLAIN_PEOPLE:
        _PLAIN_PEOPLE[model] = {
            f.name: _plain_person(f)
            for f in model._meta.fields
            if f.is_relation and f.related_model is get_user_model()
        }
    read_only = set(shown.readonly_fields)
    if not getattr(shown, "has_change_permission", True):
        # An inline shown read-only adds every field of its fieldsets when it is drawn.
        read_only |= set(flatten_fieldsets(shown.fieldsets))
    people = {name: show for name, show in _PLAIN_PEOPLE[model].items() if name in read_only}

    def swap(item):
        if isinstance(item, (list, tuple)):
            return type(item)(swap(i) for i in item)
        return people.get(item, item) if isinstance(item, str) else item

    if people:
        shown.readonly_fields = swap(shown.readonly_fields)
        shown.fieldsets = [
            (name, {**opts, "fields": swap(opts["fields"])}) for name, opts in shown.fieldsets
        ]


def _plain_person(field):
    def show(obj):
        person = getattr(obj, field.name)
        return str(person) if person is not None else "-"

    show.short_description = field.verbose_name
    show.__name__ = field.name
    return show


class SafeDateHierarchyMixin:
    """A date drill-down link with an impossible year (``?issued_at__year=99999999999``
    raised OverflowError, ``?created_at__year=-1`` ValueError) failed inside Django's
    ChangeList: the list answers as for any other bad filter (the plain list, "?e=1")
    instead of a 500."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as exc:
            # ValueError: a year out of range (``?created_at__year=-1``) or a filter value
            # of the wrong type that Django's ChangeList does not catch itself.
            raise IncorrectLookupParameters(exc) from exc


class GuardedHistoryAdmin(
    PeopleNamesMixin, MoneyFieldsMixin, SafeDateHierarchyMixin, SimpleHistoryAdmin
):
    """History visible; reverting only where ``allow_revert`` is set, and then only by
    someone who may change the record."""

    allow_revert = False

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple-history's select_related() with no field names (a model with no tracked
        # foreign key: customers, shop settings) drops its own select_related("history_user"),
        # and the page then reads each version's user with a query of its own.
        qs = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return qs.select_related("history_user")

    def revert_disabled(self, request, obj=None):
        return not self.allow_revert or super().revert_disabled(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        if not is_id(str(object_id)):
            raise Http404("No such record.")  # simple-history would raise ValueError
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not (is_id(str(object_id)) and is_id(str(version_id))):
            raise Http404("No such version.")  # simple-history would raise ValueError
        if request.method == "POST" and not (
            self.allow_revert and self.has_change_permission(request)
        ):
            raise PermissionDenied(
                "An old version is shown for reference only. Change the record on its own page."
            )
        return super().history_form_view(request, object_id, version_id, extra_context)
