"""Where sign-in sends the browser next: only a path on this site."""

from __future__ import annotations

import pytest

from portin.portal.routes_auth import safe_next_path


@pytest.mark.parametrize("path", [
    "/", "/orders", "/orders?status=draft&page=2", "/orders/0190-abc?part=status",
    "/orders?q=a%2Fb", "/events?filter%5Bevent_type%5D=x", "/orders/café",
])
def test_a_path_on_this_site_is_kept(path: str) -> None:
    assert safe_next_path(path) == path


@pytest.mark.parametrize("path", [
    None, "", "orders", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/orders\\..\\x", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%5cevil.example", "%5C%5Cevil.example", "/%252F%252Fevil.example",
    "/%25252525252F%2F", "/orders\r\nLocation: https://evil.example", "/orders\x00",
    "/\t/evil.example", "/ /evil.example", "/orders%0d%0aSet-Cookie:x=1", "/\x7f",
    "/\u2028x",
])
def test_anything_else_goes_to_the_overview(path: str | None) -> None:
    assert safe_next_path(path) == "/"
