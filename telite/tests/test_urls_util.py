"""``{% route_url %}`` links as ``{% url %}`` does, for every route without arguments or with one id."""

import pytest
from django.template import Context, Template
from django.urls import URLPattern, URLResolver, get_resolver, reverse, set_script_prefix

from telite.urls_util import route_url


def _routes_with_one_id(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes_with_one_id(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            groups = entry.pattern.regex.groupindex
            if list(groups) == ["pk"]:
                yield namespace + entry.name


def _routes_without_arguments(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes_without_arguments(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield namespace + entry.name


ROUTES = sorted(set(_routes_with_one_id()))
PLAIN_ROUTES = sorted(set(_routes_without_arguments()))


def test_the_project_has_routes_with_one_id():
    assert {"devices:service", "billing:print_bill", "billing:take_payment"} <= set(ROUTES)


@pytest.mark.parametrize("viewname", ROUTES)
@pytest.mark.parametrize("pk", [1, 7, 123456789])
def test_route_url_with_an_id_is_what_reverse_gives(viewname, pk):
    assert route_url(viewname, pk) == reverse(viewname, args=[pk])


@pytest.mark.parametrize("viewname", PLAIN_ROUTES)
def test_route_url_without_arguments_is_what_reverse_gives(viewname):
    assert route_url(viewname) == reverse(viewname)


def test_the_project_has_plain_routes():
    assert {"dashboard", "devices:device_list", "billing:delivery_ready"} <= set(PLAIN_ROUTES)


def test_route_url_follows_the_script_prefix():
    try:
        set_script_prefix("/shop/")
        assert route_url("devices:service", 5) == reverse("devices:service", args=[5])
        assert route_url("devices:service", 5).startswith("/shop/")
        assert route_url("dashboard") == reverse("dashboard")
    finally:
        set_script_prefix("/")
    assert route_url("devices:service", 5) == "/service/5"


def test_the_template_tag_and_a_bad_id():
    html = Template("{% load telite %}{% route_url 'billing:print_bill' d %}").render(
        Context({"d": 9})
    )
    assert html == reverse("billing:print_bill", args=[9])
    with pytest.raises(ValueError):
        route_url("devices:service", "9; DROP")
