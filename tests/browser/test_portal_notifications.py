"""Setting notifications up in a real browser: the webhook key beside the channels, a test
event that reaches the real receiver with its answer shown, one setting over several
channels, a duplicate refused beside its field, pause and resume, and a profile delete that
asks first and says what else goes. Screenshots at 1280 and 390 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal, shot, sign_in
from tests.support.receiver import verifies


def _both_widths(page: Page, name: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _profile(page: Page, name: str) -> None:
    page.get_by_label("New profile name").fill(name)
    page.get_by_role("button", name="New profile").click()
    expect(page.get_by_role("status")).to_contain_text(f"Profile “{name}” created")


def _channel(page: Page, profile: str, kind: str, destination: str) -> None:
    page.get_by_label("Profile", exact=True).select_option(label=profile)
    page.get_by_label("Type", exact=True).select_option(kind)
    page.get_by_label("Destination (email address or webhook URL)").fill(destination)
    page.get_by_role("button", name="New channel").click()
    expect(page.get_by_role("status")).to_contain_text("channel added")


def test_public_key_and_a_test_event_that_reaches_the_receiver(page: Page,
                                                               portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/notifications")
    key = portal.org["public_key"]
    expect(page.locator("#webhook-key")).to_contain_text(key)
    expect(page.locator("#webhook-key").get_by_role("button", name="Copy public key")
           ).to_be_visible()
    expect(page.get_by_role("link", name="Webhook keys: see or rotate them")).to_have_attribute(
        "href", "/account/signing-keys")
    _profile(page, "Hooks")
    url = portal.receiver.url("/browser-test")
    _channel(page, "Hooks", "webhook", url)
    page.get_by_role("button", name=f"Send a test event to {url}").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("Test event sent. Your endpoint answered HTTP 200")
    received = portal.receiver.wait_for("/browser-test", 1, timeout=5)
    assert verifies(received[0], key)  # signed with the key the page shows
    assert received[0].json["data"]["event_type"] == "notification.test"
    _both_widths(page, "30-notifications-test-event")

    down = portal.receiver.behave("/browser-down", status=500)
    _channel(page, "Hooks", "webhook", down)
    page.get_by_role("button", name=f"Send a test event to {down}").click()
    expect(page.locator("#test-result")).to_contain_text(
        "Test event not delivered. Your endpoint answered HTTP 500")


def test_one_setting_over_two_channels_a_duplicate_refused_and_pause(
        page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/notifications")
    _profile(page, "Desk")
    hook = portal.receiver.url("/desk-hook")
    _channel(page, "Desk", "webhook", hook)
    _channel(page, "Desk", "email", "desk@acme.example")
    page.get_by_label("Setting profile").select_option(label="Desk")
    page.get_by_label(f"webhook: {hook}").check()
    page.get_by_label("email: desk@acme.example").check()
    page.get_by_role("button", name="New setting").click()
    expect(page.get_by_role("status")).to_contain_text("Setting added: 2 channels")
    row = page.locator("#settings tbody tr", has_text="Desk")
    expect(row).to_have_count(1)
    expect(row.locator("li.setting-channel")).to_have_count(2)

    # The same again for the email channel: refused beside the channels, what was chosen kept.
    page.get_by_label("Setting profile").select_option(label="Desk")
    page.get_by_label("email: desk@acme.example").check()
    page.get_by_role("button", name="New setting").click()
    error = page.locator("#setting_channels-error")
    expect(error).to_contain_text("“Port In Notifications” already goes to desk@acme.example"
                                  " (email) for this profile")
    expect(page.locator("#setting_channels")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("email: desk@acme.example")).to_be_checked()
    _both_widths(page, "31-notifications-duplicate-refused")

    page.get_by_role("button", name=f"Pause sending to {hook}").click()
    expect(page.get_by_role("status")).to_contain_text("Setting paused")
    entry = page.locator("li.setting-channel", has_text=hook)
    expect(entry.locator(".badge")).to_have_text("paused")
    with portal.api() as api:
        settings = api.get("/notification_settings").json()["data"]
    assert sorted(s["paused"] for s in settings) == [False, True]
    _both_widths(page, "32-notifications-paused")
    page.get_by_role("button", name=f"Resume sending to {hook}").click()
    expect(page.get_by_role("status")).to_contain_text("Setting resumed")
    expect(entry.locator(".badge")).to_have_text("sending")


def test_deleting_a_profile_asks_first_and_lists_what_goes(page: Page,
                                                           portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/notifications")
    _profile(page, "Leaving")
    hook = portal.receiver.url("/leaving")
    _channel(page, "Leaving", "email", "leaving@acme.example")
    _channel(page, "Leaving", "webhook", hook)
    page.get_by_label("Setting profile").select_option(label="Leaving")
    page.get_by_label("email: leaving@acme.example").check()
    page.get_by_label(f"webhook: {hook}").check()
    page.get_by_role("button", name="New setting").click()
    expect(page.get_by_role("status")).to_contain_text("Setting added")

    page.get_by_role("button", name="Delete profile Leaving").click()
    expect(page.get_by_role("heading", name="Delete this profile?")).to_be_visible()
    consequences = page.locator("ul.consequences")
    expect(consequences).to_contain_text("delete its 2 channels: leaving@acme.example (email),"
                                         f" {hook} (webhook)")
    expect(consequences).to_contain_text("delete its 2 settings")
    expect(consequences).to_contain_text("stop notifications for “Port In Notifications” to")
    _both_widths(page, "33-notifications-delete-profile")
    page.get_by_role("link", name="Keep it, go back").click()
    expect(page.locator("#profiles-h + table")).to_contain_text("Leaving")  # nothing changed

    page.get_by_role("button", name="Delete profile Leaving").click()
    page.get_by_role("button", name="Yes, delete the profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile deleted")
    expect(page.locator("main")).not_to_contain_text("leaving@acme.example")
