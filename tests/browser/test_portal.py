"""The seed's portal path, end to end in a real browser, and the portal's refusals."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Portal, shot, sign_in

LIVE = 15_000  # ms: live updates poll every 3 s


def test_seed_path_end_to_end(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    shot(page, "01-overview-empty")

    # Notifications, as the seed's steps say: profile, channels, a Port In setting.
    page.get_by_role("link", name="Notifications").click()
    page.get_by_label("New profile name").fill("Porting team")
    page.get_by_role("button", name="New profile").click()
    expect(page.get_by_role("status")).to_contain_text("Porting team")
    webhook_url = portal.receiver.url("/portal-hook")
    for kind, destination in (("webhook", webhook_url), ("email", "desk@acme.example")):
        page.get_by_label("Type", exact=True).select_option(kind)
        page.get_by_label("Destination (email address or webhook URL)").fill(destination)
        page.get_by_role("button", name="New channel").click()
        expect(page.get_by_role("status")).to_contain_text("channel added")
    for option in (f"webhook: {webhook_url}", "email: desk@acme.example"):
        page.get_by_label(option).check()
    page.get_by_role("button", name="New setting").click()
    expect(page.get_by_role("status")).to_contain_text("Setting added: 2 channels")
    expect(page.locator("#settings li.setting-channel")).to_have_count(2)
    shot(page, "02-notifications")

    # An order made through the API, submitted from the portal.
    with portal.api() as api:
        order = api.post("/porting_orders", json={"phone_numbers": ["+13125550147",
                                                                     "+13125550148"],
                                                   "customer_reference": "acme-hq"}).json()
    order_id = order["data"][0]["id"]
    page.get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="acme-hq").click()
    page.get_by_role("button", name="Submit order").click()
    expect(page.get_by_role("status")).to_contain_text("Order submitted")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("in-process")
    expect(timeline.locator(".delivery .badge.delivered")).to_have_count(2, timeout=LIVE)
    # The delivery's badge says "delivered"; its attempt says only what differs from it.
    expect(timeline.locator(".delivery .attempt").first).to_have_text(
        re.compile(r"#1 (HTTP 2\d\d|SMTP 250) · \d+ ms"))

    # The porting desk moves it through an exception and back; the page updates by itself.
    with portal.desk() as desk:
        for body in ({"value": "submitted"},
                     {"value": "exception", "details": [{"code": "ACCOUNT_NUMBER_MISMATCH"}]},
                     {"value": "submitted"}):
            assert desk.post(f"/porting_orders/{order_id}/status", json=body).status_code == 200
    expect(timeline).to_contain_text("Account number does not match that on the CSR",
                                     timeout=LIVE)
    expect(page.locator("#order-status .badge").first).to_have_text("submitted", timeout=LIVE)
    expect(timeline.locator("tbody tr")).to_have_count(4, timeout=LIVE)
    expect(timeline.locator(".delivery .badge.delivered")).to_have_count(8, timeout=LIVE)
    shot(page, "03-order")
    assert len(portal.receiver.at("/portal-hook")) == 4
    assert any("Account number does not match" in m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
               for m in portal.inbox.messages)

    # Republish the exception event and watch its new delivery arrive.
    timeline.get_by_role("link").filter(has_text=re.compile(r"\d{4}-")).nth(1).click()
    expect(page.get_by_role("heading", name="porting_order.status_changed")).to_be_visible()
    expect(page.locator("pre").first).to_contain_text("ACCOUNT_NUMBER_MISMATCH")
    before = len(portal.receiver.at("/portal-hook"))
    page.get_by_role("button", name="Republish").click()
    expect(page.get_by_role("status")).to_contain_text("Republished to 2 destination(s)")
    expect(page.locator("#event-deliveries")).to_contain_text("republished", timeout=LIVE)
    expect(page.locator("#event-deliveries .delivery[data-status=delivered]")).to_have_count(
        4, timeout=LIVE)
    portal.receiver.wait_for("/portal-hook", before + 1)
    shot(page, "04-event-republished")

    page.get_by_role("link", name="Deliveries").click()
    expect(page.locator("#deliveries tbody tr")).to_have_count(10)
    page.locator("#deliveries tbody tr a").first.click()
    expect(page.get_by_role("heading", name=re.compile("Attempt #1"))).to_be_visible()
    shot(page, "05-delivery")
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#overview")).to_contain_text("delivered")
    shot(page, "06-overview")


def test_events_list_filters_and_live_updates(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/events?type=porting_order.new_comment")
    rows = page.locator("#events tbody tr")
    start = rows.count()
    with portal.api() as api:
        order = api.post("/porting_orders", json={"phone_numbers": ["+13125550199"]}).json()
        api.post(f"/porting_orders/{order['data'][0]['id']}/comments", json={"body": "hello"})
    expect(rows).to_have_count(start + 1, timeout=LIVE)  # no reload
    expect(page.locator("#events")).not_to_contain_text("status_changed")
    shot(page, "07-events")


def test_refused_form_keeps_what_was_typed(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/notifications")
    page.get_by_label("Type", exact=True).select_option("email")
    page.get_by_label("Destination (email address or webhook URL)").fill("not an address")
    page.get_by_role("button", name="New channel").click()
    expect(page.locator("#channel_destination-error")).to_contain_text("is not an email address")
    expect(page.get_by_label("Destination (email address or webhook URL)")).to_have_value(
        "not an address")
    shot(page, "08-refused-form")


def test_phone_width(browser: object, portal: Portal) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, portal)
    page.goto(portal.url + "/orders")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    shot(page, "09-phone-orders")
    context.close()


def test_csrf_refusal(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    response = page.request.post(portal.url + "/notifications/profiles",
                                 form={"name": "forged"}, max_redirects=0)
    assert response.status == 403
    assert "expired" in response.text()
    page.goto(portal.url + "/notifications")
    expect(page.locator("body")).not_to_contain_text("forged")


def test_another_organizations_order_is_404(page: Page, portal: Portal) -> None:
    other = portal.server.new_org("Globex")
    import httpx

    with httpx.Client(base_url=portal.url + "/v2",
                      headers={"Authorization": f"Bearer {other['api_key']}"}) as api:
        theirs = api.post("/porting_orders", json={"phone_numbers": ["+13125550177"]}).json()
    sign_in(page, portal)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    response = page.goto(portal.url + f"/orders/{theirs['data'][0]['id']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Resource not found")).to_be_visible()


def test_sign_in_failure_then_lock_out(page: Page, portal: Portal) -> None:
    portal.server.portin("user", "create", "--org", portal.org["organization_id"],
                         "--email", "locked@acme.example", "--password", PASSWORD)
    page.goto(portal.url + "/login")

    def attempt(password: str) -> None:
        page.get_by_label("Email").fill("locked@acme.example")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    attempt("wrong password 1")
    expect(page.get_by_role("alert")).to_contain_text("Email or password is wrong")
    expect(page.get_by_label("Email")).to_have_value("locked@acme.example")
    for n in range(2, 6):
        attempt(f"wrong password {n}")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    attempt(PASSWORD)  # even the right password is refused while locked
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    shot(page, "10-locked-out")


def test_sign_out(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to portin")).to_be_visible()
    page.goto(portal.url + "/orders")
    expect(page).to_have_url(re.compile(r"/login\?next=/orders"))


# Every Content-Security-Policy refusal, as the page saw it (installed before any page script).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def subscribe_webhook(api: httpx.Client, url: str) -> None:
    """The seed's portal steps through the API: a profile, a webhook channel, a setting."""
    def made(path: str, body: dict[str, str]) -> str:
        response = api.post(path, json=body)
        response.raise_for_status()
        return str(response.json()["data"]["id"])

    profile_id = made("/notification_profiles", {"name": "CSP check"})
    channel_id = made("/notification_channels", {
        "channel_type_id": "webhook", "channel_destination": url,
        "notification_profile_id": profile_id})
    condition = api.get("/notification_event_conditions").json()["data"][0]
    made("/notification_settings", {"notification_event_condition_id": condition["id"],
                                    "notification_profile_id": profile_id,
                                    "notification_channel_id": channel_id})


def test_no_page_breaks_the_content_security_policy(page: Page, portal: Portal) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    with portal.api() as api:
        # A webhook of its own, so that the order's events make deliveries to open: the test
        # does not lean on an earlier test's subscription.
        subscribe_webhook(api, portal.receiver.url("/csp-hook"))
        order = api.post("/porting_orders", json={"phone_numbers": ["+13125550160"],
                                                   "customer_reference": "csp-check"}).json()
        order_id = order["data"][0]["id"]
        assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
    seen: list[str] = []

    def visit(path: str) -> None:
        response = page.goto(portal.url + path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        seen.append(path)
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)

    visit("/login")
    sign_in(page, portal)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    for path in ("/", "/orders", f"/orders/{order_id}", "/events", "/deliveries",
                 "/notifications", "/no-such-page"):
        visit(path)
    for list_path, link in (("/events", "a[href^='/events/']"),
                            ("/deliveries", "a[href^='/deliveries/']")):
        page.goto(portal.url + list_path)
        expect(page.locator(link).first).to_be_visible(timeout=LIVE)
        visit(str(page.locator(link).first.get_attribute("href")))
    # Live updates swap new HTML in after a change: that must not break the policy either.
    visit(f"/orders/{order_id}")
    with page.expect_response(lambda r: "HX-Request" in r.request.headers
                              or "hx-request" in r.request.headers, timeout=LIVE):
        with portal.api() as api:
            api.post(f"/porting_orders/{order_id}/comments", json={"body": "live"})
    page.wait_for_timeout(200)
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []
    assert len(seen) >= 10


def test_back_after_sign_out_shows_nothing_private(page: Page, portal: Portal) -> None:
    with portal.api() as api:
        api.post("/porting_orders", json={"phone_numbers": ["+13125550161"],
                                           "customer_reference": "back-button-secret"})
    sign_in(page, portal)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    response = page.goto(portal.url + "/orders")
    assert response is not None and response.headers["cache-control"] == "no-store"
    expect(page.get_by_role("link", name="back-button-secret")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to portin")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/login\?next=/orders$"))
    expect(page.get_by_role("heading", name="Sign in to portin")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("back-button-secret")
    expect(page.locator("body")).not_to_contain_text(portal.email)


def test_a_page_whose_session_ends_goes_to_sign_in_as_a_whole(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/orders")
    # The session ends (signed out elsewhere): its cookie, from another client.
    (session,) = [c for c in page.context.cookies() if c["name"] == "portin_session"]
    with httpx.Client(base_url=portal.url, cookies={"portin_session": session["value"]}) as other:
        keys = other.get("/account/api-keys").text
        csrf = keys.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert other.post("/logout", data={"csrf_token": csrf}).status_code == 303
    # The next live update takes the whole page to sign-in, not just the polled part of it.
    expect(page).to_have_url(re.compile(r"/login\?next=/orders"), timeout=LIVE)
    expect(page.locator("header.top")).to_have_count(0)
