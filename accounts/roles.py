"""The permissions each role's group holds (SPEC §5).

One group per role. A data migration creates the groups; after every migrate their
permissions are brought in line with ROLE_PERMISSIONS, so models added later are covered.
Admins are also superusers, so their group is for reporting and clarity.
"""

from django.apps import apps as global_apps
from django.db.models import Q

from .models import Role

VIEW = ("view",)
WORK = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# app label -> actions, with per-model overrides ("app.model").
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.STAFF: {
        "customers": WORK,
        "devices": WORK,
        "billing": WORK,
        "billing.shopsettings": VIEW,
        "crm": WORK,
    },
    Role.MANAGER: {
        "customers": ALL,
        "devices": WORK,
        "billing": WORK,
        "billing.shopsettings": VIEW,
        "crm": ALL,
    },
    Role.ADMIN: {
        "accounts": ALL,
        "customers": ALL,
        "devices": WORK,
        "billing": WORK,
        "crm": ALL,
    },
}


def _permission_query(spec: dict[str, tuple[str, ...]]) -> Q:
    query = Q(pk__in=[])
    overridden = {key.split(".")[1] for key in spec if "." in key}
    for key, actions in spec.items():
        if "." in key:
            app_label, model = key.split(".")
            clause = Q(content_type__app_label=app_label, content_type__model=model)
        else:
            clause = Q(content_type__app_label=key) & ~Q(content_type__model__in=overridden)
        action_q = Q(pk__in=[])
        for action in actions:
            action_q |= Q(codename__startswith=f"{action}_")
        query |= clause & action_q
    return query


def sync_role_groups(apps=global_apps) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, spec in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(_permission_query(spec)))


def sync_after_migrate(sender, app_config=None, using="default", apps=global_apps, **kwargs):
    # post_migrate is sent once per app; permissions exist for all apps after the last one.
    last = list(global_apps.get_app_configs())[-1]
    if sender.label != last.label:
        return
    sync_role_groups()


def assign_role_group(user) -> None:
    from django.contrib.auth.models import Group

    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    wanted = groups.get(user.role)
    current = set(user.groups.filter(name__in=Role.values))
    stale = current - {wanted} if wanted else current
    if stale:
        user.groups.remove(*stale)
    if wanted and wanted not in current:
        user.groups.add(wanted)
