"""The browser's defences as headers, the portal's notices and its error pages, in-process."""

from __future__ import annotations

import logging
import re

import jinja2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Headers

from portin.domain.timefmt import utcnow
from portin.portal.web import NOTICE_COOKIE, templates
from portin.services.users import create_user
from portin.storage.db import Database
from tests.conftest import Tenant

PASSWORD = "correct horse battery"
SIGNED_IN_PAGES = ("/", "/orders", "/events", "/deliveries", "/notifications")


def _hidden_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _sign_in(client: TestClient, db: Database, tenant: Tenant, next_path: str = "/") -> str:
    """Signs the client in; answers the sign-in's redirect target."""
    with db.writing() as session:
        create_user(session, tenant.organization_id, "ops@acme.example", PASSWORD, utcnow())
    form = client.get("/login")
    answer = client.post("/login", data={"email": "ops@acme.example", "password": PASSWORD,
                                         "csrf_token": _hidden_token(form.text),
                                         "next": next_path}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _assert_portal_defences(headers: Headers) -> None:
    policy = headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe" not in policy
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "same-origin"
    assert headers.get("cache-control") == "no-store"


def test_portal_pages_send_the_browser_defences(client: TestClient, db: Database,
                                                tenant: Tenant) -> None:
    _assert_portal_defences(client.get("/login").headers)
    _sign_in(client, db, tenant)
    for path in (*SIGNED_IN_PAGES, "/orders/no-such-order", "/no-such-page"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        _assert_portal_defences(response.headers)
    assert client.get("/orders", headers={"HX-Request": "true"}).headers[
        "cache-control"] == "no-store"


def test_static_files_are_not_sniffed(client: TestClient) -> None:
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_every_api_answer_is_not_sniffed_errors_included(client: TestClient,
                                                         tenant: Tenant) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/v2/boom", boom)
    answers = {
        "ok": client.get("/v2/porting_orders", headers=tenant.headers),
        "unauthenticated": client.get("/v2/porting_orders"),
        "not found": client.get("/v2/no_such_thing", headers=tenant.headers),
        "invalid": client.post("/v2/porting_orders", json={"nope": 1}, headers=tenant.headers),
        "too large": client.post("/v2/porting_orders", content=b"x" * 3_000_000,
                                 headers={**tenant.headers, "content-type": "application/json"}),
        "unexpected": client.get("/v2/boom"),
        "health": client.get("/healthz"),
    }
    assert answers["unexpected"].status_code == 500
    assert answers["too large"].status_code == 413
    for name, response in answers.items():
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert "content-security-policy" not in response.headers, name


def test_the_api_docs_page_is_never_framed(client: TestClient) -> None:
    """Swagger's page loads its own scripts (no portal policy), but holds a key box."""
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert docs.headers["x-frame-options"] == "DENY"
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_error_on_a_portal_page_is_the_html_error_page(
        client: TestClient, db: Database, tenant: Tenant, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _sign_in(client, db, tenant)
    real_get_template = templates.env.get_template

    def missing_orders_page(name: str, *args: object, **kwargs: object) -> jinja2.Template:
        if name == "orders.html":
            raise jinja2.TemplateNotFound(name)
        return real_get_template(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(templates.env, "get_template", missing_orders_page)
    with caplog.at_level(logging.ERROR):
        response = client.get("/orders")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Something went wrong</h1>" in response.text
    assert "errors" not in response.text
    _assert_portal_defences(response.headers)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "TemplateNotFound" in caplog.text


def test_when_even_the_error_page_fails_the_answer_is_still_html(
        client: TestClient, db: Database, tenant: Tenant,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _sign_in(client, db, tenant)

    def nothing(name: str, *_args: object, **_kwargs: object) -> jinja2.Template:
        raise jinja2.TemplateNotFound(name)

    monkeypatch.setattr(templates.env, "get_template", nothing)
    response = client.get("/orders")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text


def test_a_crafted_notice_shows_nothing(client: TestClient, db: Database,
                                        tenant: Tenant) -> None:
    _sign_in(client, db, tenant)
    crafted = client.get("/orders", params={"flash": "Your account is verified",
                                            "notice": "order_cancelled"})
    assert crafted.status_code == 200
    assert "Your account is verified" not in crafted.text
    assert 'role="status"' not in crafted.text
    client.cookies.set(NOTICE_COOKIE, "WW91IHdvbg.0123abcd")  # "You won", badly signed
    forged = client.get("/orders")
    assert "You won" not in forged.text and 'role="status"' not in forged.text


def test_a_real_change_shows_its_notice_once(client: TestClient, db: Database,
                                             tenant: Tenant) -> None:
    _sign_in(client, db, tenant)
    token = _hidden_token(client.get("/notifications").text)
    answer = client.post("/notifications/profiles", data={"name": "Desk", "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert "flash" not in answer.headers["location"] and "Desk" not in answer.headers["location"]
    # The live update polling meanwhile neither shows nor uses it up.
    polled = client.get("/orders", headers={"HX-Request": "true"})
    assert 'role="status"' not in polled.text
    shown = client.get(answer.headers["location"])
    assert re.search(r'role="status">Profile “Desk” created\.<', shown.text)
    again = client.get(answer.headers["location"])
    assert 'role="status"' not in again.text


@pytest.mark.parametrize(("next_path", "target"), [
    ("/orders?status=draft", "/orders?status=draft"),
    ("/%2F%2Fevil.example", "/"),
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
])
def test_sign_in_goes_only_to_a_path_on_this_site(client: TestClient, db: Database,
                                                  tenant: Tenant, next_path: str,
                                                  target: str) -> None:
    assert _sign_in(client, db, tenant, next_path) == target
