"""Delivery problems fixed from the page, and an event list that can be read: a real
`portin serve`, a real Chromium and a real webhook receiver. Runs in file order: the first
test sees the organization before it has any event."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Portal, shot, sign_in
from tests.support import waiting

LIVE = 15_000  # ms


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def _both(page: Page, phone: Page, portal: Portal, path: str, name: str) -> None:
    """Screenshots at 1280 and 390 px. (Whether the phone page scrolls sideways is left to
    the chrome work's `table.rows` CSS, which turns the rows into cards.)"""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(portal.url + path)
    shot(page, f"activity-{name}-1280")
    sign_in(phone, portal)
    phone.goto(portal.url + path)
    shot(phone, f"activity-{name}-390")


def _order(portal: Portal, reference: str, hook: str, **behaviour: Any) -> str:
    """An order with its own webhook_url on the receiver, confirmed (one event, sent)."""
    with portal.api() as api:
        order = api.post("/porting_orders", json={
            "phone_numbers": [f"+1312555{abs(hash(reference)) % 10_000:04d}"],
            "customer_reference": reference}).json()["data"][0]
        order_id = str(order["id"])
        assert api.patch(f"/porting_orders/{order_id}", json={
            "webhook_url": portal.receiver.behave(hook, **behaviour)}).status_code == 200
        assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
    return order_id


def _deliveries_to(portal: Portal, path: str, status: str) -> list[dict[str, Any]]:
    url = portal.receiver.url(path)

    def done() -> list[dict[str, Any]] | None:
        with portal.api() as api:
            found = [d for d in api.get("/webhook_deliveries",
                                        params={"page[size]": 250}).json()["data"]
                     if d["destination"] == url]
        return found if found and all(d["status"] == status for d in found) else None
    return list(waiting.wait_for(done, 30))


def test_an_empty_event_list_says_so(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/events")
    expect(page.locator("#events")).to_contain_text(
        "No events yet: events appear here when an order changes.")


def test_a_failed_delivery_shows_its_body_and_why_then_is_retried(
        page: Page, phone: Page, portal: Portal) -> None:
    _order(portal, "br-retry", "/br-fail", status=400)
    (failed,) = _deliveries_to(portal, "/br-fail", "failed")
    sign_in(page, portal)
    page.goto(portal.url + "/deliveries/" + failed["id"])
    expect(page.locator(".attempt-why")).to_contain_text("answered 400")
    expect(page.locator(".attempt-why")).to_contain_text("does not try again")
    page.locator(".attempt-body summary").click()
    body = page.locator(".attempt-body pre")
    expect(body).to_contain_text('"delivered_to": "' + portal.receiver.url("/br-fail"))
    expect(body).to_contain_text('"attempt": 1')
    expect(page.locator("pre").first).to_contain_text("telnyx-signature-ed25519")
    _both(page, phone, portal, "/deliveries/" + failed["id"], "failed-delivery")
    portal.receiver.behave("/br-fail", status=200)
    page.get_by_role("button", name="Retry now").click()
    expect(page.get_by_role("status")).to_contain_text("Retrying")
    portal.receiver.wait_for("/br-fail", 2)
    # The new delivery's own page (the notice's), which is not live: read it again.
    waiting.wait_until(lambda: page.reload() is not None
                       and page.locator("h1 .badge").inner_text() == "delivered", 20,
                       "the retried delivery to be delivered")


def test_a_410_is_explained(page: Page, portal: Portal) -> None:
    _order(portal, "br-gone", "/br-gone", status=410)
    (gone,) = _deliveries_to(portal, "/br-gone", "failed")
    sign_in(page, portal)
    page.goto(portal.url + "/deliveries/" + gone["id"])
    expect(page.locator(".attempt-why")).to_contain_text(
        "The receiver answered 410 Gone: portin does not try this delivery again and"
        " disables the destination")


def test_a_delivered_delivery_is_resent(page: Page, phone: Page, portal: Portal) -> None:
    _order(portal, "br-resend", "/br-ok")
    (delivered,) = _deliveries_to(portal, "/br-ok", "delivered")
    sign_in(page, portal)
    page.goto(portal.url + "/deliveries/" + delivered["id"])
    expect(page.get_by_role("button", name="Retry now")).to_have_count(0)
    page.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_contain_text("Resent")
    first, again = portal.receiver.wait_for("/br-ok", 2)
    assert first.event_id == again.event_id
    _both(page, phone, portal, page.url.removeprefix(portal.url), "resent-delivery")


def test_deliveries_filters_narrow_the_list(page: Page, phone: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/deliveries")
    rows = page.locator("#deliveries tbody tr")
    total = rows.count()
    assert total >= 4
    page.get_by_label("Destination", exact=True).select_option(portal.receiver.url("/br-ok"))
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)  # the delivery and its resend
    assert "destination=" in page.url
    page.goto(portal.url + "/deliveries")
    page.get_by_label("Order id or customer reference").fill("br-gone")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#deliveries")).to_have_attribute("hx-get", re.compile("order=br-gone"))
    page.goto(portal.url + "/deliveries")
    page.get_by_label("Event type", exact=True).select_option("porting_order.new_comment")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#deliveries")).to_contain_text("No deliveries match these filters.")
    page.goto(portal.url + "/deliveries?from=2000-01-01&to=2000-01-02")
    expect(page.locator("#deliveries")).to_contain_text("No deliveries match these filters.")
    page.goto(portal.url + "/deliveries?from=2000-01-01")
    expect(rows).to_have_count(total)
    answer = page.goto(portal.url + "/deliveries?from=31%2F02%2F2026")
    assert answer is not None and answer.status == 422
    expect(page.locator("#from-error")).to_contain_text("YYYY-MM-DD")
    expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")
    _both(page, phone, portal, "/deliveries?order=br-gone", "deliveries-filtered")


def test_republish_to_one_destination_reaches_only_it(page: Page, portal: Portal) -> None:
    with portal.api() as api:
        profile = api.post("/notification_profiles", json={"name": "Activity"}).json()["data"]
        channel = api.post("/notification_channels", json={
            "channel_type_id": "webhook",
            "channel_destination": portal.receiver.behave("/br-channel"),
            "notification_profile_id": profile["id"]}).json()["data"]
        condition = api.get("/notification_event_conditions").json()["data"][0]
        assert api.post("/notification_settings", json={
            "notification_event_condition_id": condition["id"],
            "notification_profile_id": profile["id"],
            "notification_channel_id": channel["id"]}).status_code in (200, 201)
    order_id = _order(portal, "br-republish", "/br-own")
    _deliveries_to(portal, "/br-own", "delivered")
    portal.receiver.wait_for("/br-channel", 1)
    with portal.api() as api:
        (event,) = api.get("/porting/events",
                           params={"filter[porting_order_id]": order_id}).json()["data"]
    sign_in(page, portal)
    page.goto(portal.url + "/events/" + event["id"])
    page.get_by_label("To", exact=True).select_option(
        label="the order's webhook_url → " + portal.receiver.url("/br-own"))
    page.get_by_role("button", name="Republish").click()
    expect(page.get_by_role("status")).to_contain_text("Republished to 1 destination(s)")
    portal.receiver.wait_for("/br-own", 2)
    page.wait_for_timeout(1500)  # the channel's copy would have arrived by now
    assert len(portal.receiver.at("/br-channel")) == 1


def test_overview_cards_link_to_their_filtered_lists(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/")
    page.locator("a.card-link").filter(has_text="failed").last.click()
    assert re.search(r"/deliveries\?status=failed&from=\d{4}-\d\d-\d\d", page.url), page.url
    expect(page.get_by_label("Status", exact=True)).to_have_value("failed")
    badges = page.locator("#deliveries tbody .badge")
    assert badges.count() >= 1
    for n in range(badges.count()):
        expect(badges.nth(n)).to_have_text("failed")


def test_events_are_readable_and_found_by_customer_reference(
        page: Page, phone: Page, portal: Portal) -> None:
    order_id = _order(portal, "br-events", "/br-events")
    with portal.api() as api:
        assert api.post(f"/porting_orders/{order_id}/comments", json={
            "body": "The losing carrier wants a new LOA signed by the account holder"}
        ).status_code == 201
    sign_in(page, portal)
    page.goto(portal.url + "/events")
    rows = page.locator("#events tbody tr")
    expect(rows.first).to_contain_text("br-events")
    expect(rows.first).to_contain_text("The losing carrier wants a new LOA signed …")
    expect(page.locator("#events")).to_contain_text("in-process")
    page.get_by_label("Order id or customer reference").fill("br-events")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    _both(page, phone, portal, "/events", "events")
    page.get_by_label("Order id or customer reference").fill("nobody-by-this-name")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#events")).to_contain_text("No events match these filters.")
    page.get_by_role("link", name="Clear the filters").click()
    expect(rows.first).to_contain_text("br-events")
