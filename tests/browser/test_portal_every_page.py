"""Every portal page, found from the app's own routes, at desktop and phone width: a
screenshot of each (test-artifacts/portal/<page>-<width>.png), no serious or critical
axe-core violation, and at 390 px no horizontal scroll and a collapsed menu that opens by
keyboard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, Page, expect

from portin.portal import app as portal_app
from tests.browser.conftest import Portal, shot, sign_in

WIDTHS = (1280, 390)
BLOCKING = ("serious", "critical")
IMPACTS = ("minor", "moderate", "serious", "critical")

# Each GET route of the portal: the page's name in the screenshots, or why it is no page.
PAGES = {
    "/": "overview",
    "/orders": "orders",
    "/orders/new": "new-order",
    "/orders/{order_id}": "order",
    "/events": "events",
    "/events/{event_id}": "event",
    "/deliveries": "deliveries",
    "/deliveries/{delivery_id}": "delivery",
    "/notifications": "notifications",
    "/account/api-keys": "api-keys",
    "/account/signing-keys": "webhook-keys",
    "/login": "login",
}
NOT_PAGES = {
    "/orders/{order_id}/documents/{document_id}": "a file download",
    "/orders/{order_id}/loa_template": "a file download",
    "/live": "the live updates' event stream",
}


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.165)
            yield from _api_routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def portal_get_routes() -> set[str]:
    app = FastAPI()
    portal_app.install(app)
    return {route.path for route in _api_routes(app.routes) if "GET" in route.methods}


def test_every_portal_get_route_is_a_page_visited_here_or_named_as_no_page() -> None:
    routes = portal_get_routes()
    unknown = routes - PAGES.keys() - NOT_PAGES.keys()
    assert not unknown, f"portal GET routes this test does not visit: {sorted(unknown)}"
    gone = (PAGES.keys() | NOT_PAGES.keys()) - routes
    assert not gone, f"routes listed here that the portal no longer has: {sorted(gone)}"


@dataclass(frozen=True)
class World:
    ids: dict[str, str]


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


@pytest.fixture(scope="module")
def world(portal: Portal) -> World:
    """An order with events, delivered to a webhook (so there are deliveries, attempts and a
    destination), and a second API key."""
    with portal.api() as api:
        profile = _ok(api.post("/notification_profiles", json={"name": "desk"}))["data"]["id"]
        channel = _ok(api.post("/notification_channels", json={
            "channel_type_id": "webhook", "notification_profile_id": profile,
            "channel_destination": portal.receiver.url("/every-page-hook")}))["data"]["id"]
        condition = _ok(api.get("/notification_event_conditions"))["data"][0]["id"]
        _ok(api.post("/notification_settings", json={
            "notification_event_condition_id": condition, "notification_profile_id": profile,
            "notification_channel_id": channel}))
        order = _ok(api.post("/porting_orders", json={
            "phone_numbers": ["+13125550190"], "customer_reference": "every-page"}))
        order_id = order["data"][0]["id"]
        _ok(api.post(f"/porting_orders/{order_id}/actions/confirm"))
        deadline = time.monotonic() + 20
        while not (deliveries := _ok(api.get("/webhook_deliveries"))["data"]) or not any(
                d.get("status") == "delivered" for d in deliveries):
            assert time.monotonic() < deadline, "no delivery was made"
            time.sleep(0.2)
        event_id = _ok(api.get("/porting/events"))["data"][0]["id"]
    return World({"order_id": order_id, "event_id": event_id,
                  "delivery_id": deliveries[0]["id"]})


def _url(route: str, world: World) -> str:
    return route.format(**world.ids)


# The outermost elements that stick out on the right, to name what scrolls sideways.
TOO_WIDE = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.getBoundingClientRect().right <= innerWidth + 0.5) continue;
    if (out.some((o) => o.contains(el))) continue;
    out.push(el);
  }
  return out.slice(0, 4).map((el) => el.tagName.toLowerCase()
    + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ")[0] : ""));
}"""


@dataclass
class Visit:
    name: str
    counts: dict[str, int]
    blocking: list[str]


def _check(page: Page, name: str, width: int) -> Visit:
    expect(page.locator("h1").first).to_be_visible()
    shot(page, f"{name}-{width}")
    violations = Axe().run(page).response["violations"]
    counts = {impact: sum(1 for v in violations if v.get("impact") == impact)
              for impact in IMPACTS}
    blocking = [f"{name}@{width}: {v['impact']} {v['id']}: {v['help']} ("
                + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                            else str(n["target"][0]) for n in v["nodes"][:3]) + ")"
                for v in violations if v.get("impact") in BLOCKING]
    if width < 600:
        fits = page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        if not fits:
            blocking.append(f"{name}@{width}: scrolls sideways ("
                            + str(page.evaluate("document.scrollingElement.scrollWidth"))
                            + " px wide; too wide: " + ", ".join(page.evaluate(TOO_WIDE)) + ")")
    print(f"{name:>14} {width:>4}px  " + "  ".join(f"{i} {counts[i]}" for i in IMPACTS))  # noqa: T201 (the counts are the report)
    return Visit(name, counts, blocking)


def _menu_opens_by_keyboard(page: Page) -> None:
    summary = page.locator("details.menu > summary")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders")
    expect(summary).to_be_visible()
    expect(nav_link).to_be_hidden()
    page.locator("body").focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Menu button")
    page.keyboard.press("Enter")
    expect(page.locator("details.menu")).to_have_attribute("open", "")
    expect(nav_link).to_be_visible()
    shot(page, "menu-open-390")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Overview")).to_be_focused()
    summary.press("Enter")
    expect(nav_link).to_be_hidden()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_is_accessible_and_fits(browser: Browser, portal: Portal, world: World,
                                           width: int) -> None:
    visits: list[Visit] = []
    # The CSP lets no script in but the portal's own: axe's is injected, so it is bypassed.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(portal.url + "/login")
        visits.append(_check(page, "login", width))
        sign_in(page, portal)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        if width < 600:
            _menu_opens_by_keyboard(page)
        else:
            expect(page.locator("details.menu > summary")).to_be_hidden()
            expect(page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Orders")).to_be_visible()
        for route, name in PAGES.items():
            if name == "login":
                continue
            answer = page.goto(portal.url + _url(route, world))
            assert answer is not None and answer.status == 200, (route, answer)
            visits.append(_check(page, name, width))
        # The error page, and a confirmation page (revoking an API key, not confirmed).
        answer = page.goto(portal.url + "/orders/00000000-0000-0000-0000-000000000000")
        assert answer is not None and answer.status == 404
        visits.append(_check(page, "error", width))
        page.goto(portal.url + "/account/api-keys")
        page.get_by_role("button", name="Issue a new key").click()
        expect(page.get_by_test_id("new-api-key")).to_be_visible()
        expect(page.get_by_role("button", name="Copy the new key")).to_be_visible()
        visits.append(_check(page, "api-key-issued", width))
        page.get_by_role("button", name="Revoke").first.click()
        expect(page.get_by_text("stops working at once")).to_be_visible()
        visits.append(_check(page, "confirm-revoke", width))
    finally:
        context.close()
    blocking = [line for visit in visits for line in visit.blocking]
    assert not blocking, "\n".join(blocking)
