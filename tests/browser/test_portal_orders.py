"""Orders made and edited in the portal, in a real browser against the installed `portin
serve`: the empty state's links, a new order from a messy paste (a bad line refused beside the
field, then fixed), details edited in a draft and read-only later, submit (and what keeps a
draft from it), cancel and delete asking first, and a new order made with the keyboard alone.
Screenshots at 1280 and 390 px wide."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal, shot, sign_in

LIVE = 15_000  # ms: the order page's status polls every 3 s
MESSY = "+1 (312) 555-0100\n312-555-0101, 0044 20 7946 0958\n555-01"


# What this work put on the pages; the order page's other tables are turned into cards at
# phone width by the portal's shared `rows` styles, not checked here.
MINE = "form.order-form, table.numbers, section.confirm, #order-status, #paste-preview"
OVERFLOWING = f"""[...document.querySelectorAll('{MINE}')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '.' + e.className + '#' + e.id)"""


def shots(page: Page, name: str) -> None:
    """The page at desktop and phone width; at phone width nothing of ours is wider than
    the screen."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"orders-{name}-{width}")
        assert page.evaluate(OVERFLOWING) == [], name
    page.set_viewport_size({"width": 1280, "height": 900})


def api_order(portal: Portal, *numbers: str, reference: str) -> str:
    with portal.api() as api:
        answer = api.post("/porting_orders", json={"phone_numbers": list(numbers),
                                                   "customer_reference": reference})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["data"][0]["id"])


def order_of(portal: Portal, order_id: str) -> dict[str, Any]:
    with portal.api() as api:
        return dict(api.get(f"/porting_orders/{order_id}").json()["data"])


def move(portal: Portal, order_id: str, *values: str) -> None:
    with portal.desk() as desk:
        for value in values:
            answer = desk.post(f"/porting_orders/{order_id}/status", json={"value": value})
            assert answer.status_code == 200, answer.text


def test_the_empty_state_links_to_the_docs_and_the_form(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.get_by_role("link", name="Orders", exact=True).click()
    empty = page.locator("#orders .empty")
    expect(empty).to_contain_text("No port-in orders yet")
    expect(empty.get_by_role("link", name="API docs")).to_have_attribute("href", "/docs")
    shots(page, "empty")
    assert page.request.get(portal.url + "/docs").status == 200
    empty.get_by_role("link", name="Create an order").click()
    expect(page.get_by_role("heading", name="New port-in order")).to_be_visible()
    expect(page).to_have_url(portal.url + "/orders/new")


def test_a_messy_paste_is_refused_line_by_line_then_created_and_submitted(
        page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/orders/new")
    numbers = page.get_by_label("Phone numbers to port")
    numbers.fill(MESSY)
    preview = page.locator("#paste-preview")  # counted while typing (htmx)
    expect(preview).to_contain_text("3 phone numbers found")
    expect(preview).to_contain_text("1 not understood")
    page.get_by_label("Customer reference").fill("chicago-office")
    page.get_by_label("Entity name").fill("Acme Telecom Chicago")
    page.get_by_role("button", name="Create draft order").click()

    error = page.locator("#phone_numbers-error")
    expect(error).to_contain_text("Line 3: '555-01' is not a phone number")
    expect(numbers).to_have_attribute("aria-invalid", "true")
    expect(numbers).to_have_value(MESSY)  # what was typed is kept
    expect(page.get_by_label("Customer reference")).to_have_value("chicago-office")
    shots(page, "new-refused")
    with portal.api() as api:
        assert api.get("/porting_orders").json()["meta"]["total_results"] == 0

    numbers.fill(MESSY.rsplit("\n", 1)[0] + "\n312 555 0100")  # the bad line out, a repeat in
    expect(preview).to_contain_text("1 duplicate merged")
    shots(page, "new-filled")
    page.get_by_role("button", name="Create draft order").click()
    expect(page.get_by_role("status")).to_contain_text("Draft order created with 3 numbers")
    expect(page.get_by_role("heading", name="Order chicago-office")).to_be_visible()
    rows = page.locator("table.numbers tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("table.numbers")).to_contain_text("+442079460958")
    expect(page.get_by_role("columnheader", name="Activation status")).to_be_visible()
    order_id = page.url.rsplit("/", 1)[1]
    order = order_of(portal, order_id)
    assert order["end_user"]["admin"]["entity_name"] == "Acme Telecom Chicago"
    assert order["status"]["value"] == "draft"
    shots(page, "created")

    # Submitting writes the order's first event, listed on its page and on the events page.
    page.get_by_role("button", name="Submit order").click()
    expect(page.get_by_role("status")).to_contain_text("Order submitted")
    expect(page.locator("#timeline")).to_contain_text("porting_order.status_changed")
    page.get_by_role("link", name="Events", exact=True).click()
    expect(page.locator("#events")).to_contain_text("porting_order.status_changed")
    assert order_of(portal, order_id)["status"]["value"] == "in-process"


def test_a_drafts_reference_is_edited_and_later_details_are_read_only(
        page: Page, portal: Portal) -> None:
    order_id = api_order(portal, "+13125550120", reference="before")
    sign_in(page, portal)
    page.goto(f"{portal.url}/orders/{order_id}")
    reference = page.get_by_label("Customer reference")
    reference.fill("after")
    page.get_by_label("Account PIN or passcode").fill("4321")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status")).to_contain_text("Order details saved")
    expect(page.get_by_role("heading", name="Order after")).to_be_visible()
    order = order_of(portal, order_id)
    assert order["customer_reference"] == "after"
    assert order["end_user"]["admin"]["pin_passcode"] == "4321"

    with portal.api() as api:
        assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
    move(portal, order_id, "submitted")
    page.reload()
    pin = page.get_by_label("Account PIN or passcode")
    expect(pin).to_have_attribute("readonly", "")
    expect(pin).to_have_value("4321")
    expect(pin).to_have_accessible_description(re.compile("Locked while the order is"
                                                          " 'submitted'"))
    expect(page.get_by_label("Customer reference")).not_to_have_attribute("readonly", "")
    shots(page, "details-locked")


def test_a_draft_says_what_keeps_it_from_being_submitted(page: Page, portal: Portal) -> None:
    order_id = api_order(portal, "+13125550130", reference="needs-paperwork")
    with portal.api() as api:
        api.patch("/porting/settings", json={"confirm_requires_requirements_met": True})
    try:
        sign_in(page, portal)
        page.goto(f"{portal.url}/orders/{order_id}")
        blockers = page.locator("#submit-blockers")
        expect(blockers).to_contain_text("not given yet")
        expect(page.get_by_role("button", name="Submit order")).to_have_accessible_description(
            re.compile("requirements to be met"))
        page.get_by_role("button", name="Submit order").click()
        expect(page.locator("#submit-error")).to_contain_text("requirements are met")
        assert order_of(portal, order_id)["status"]["value"] == "draft"
        shots(page, "submit-blocked")
    finally:
        with portal.api() as api:
            api.patch("/porting/settings", json={"confirm_requires_requirements_met": False})


def test_cancel_changes_nothing_until_confirmed(page: Page, portal: Portal) -> None:
    order_id = api_order(portal, "+13125550140", reference="to-cancel")
    with portal.api() as api:
        assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
    sign_in(page, portal)
    page.goto(f"{portal.url}/orders/{order_id}")
    # A bare POST (no confirmation) answers the confirmation page and changes nothing.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"{portal.url}/orders/{order_id}/cancel",
                               form={"csrf_token": token or ""})
    assert answer.status == 200 and "Cancel this order?" in answer.text()
    assert order_of(portal, order_id)["status"]["value"] == "in-process"

    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("heading", name="Cancel this order?")).to_be_visible()
    shots(page, "cancel-confirm")
    page.get_by_role("link", name="Keep it, go back").click()
    expect(page.locator("#order-status .badge").first).to_have_text("in-process")
    assert order_of(portal, order_id)["status"]["value"] == "in-process"

    page.get_by_role("button", name="Cancel order").click()
    page.get_by_role("button", name="Yes, cancel the order").click()
    expect(page.get_by_role("status")).to_contain_text("Cancellation requested")
    expect(page.locator("#order-status .badge").first).to_have_text("cancel-pending")
    assert order_of(portal, order_id)["status"]["value"] == "cancel-pending"


def test_a_draft_is_deleted_only_after_its_confirmation(page: Page, portal: Portal) -> None:
    order_id = api_order(portal, "+13125550150", "+13125550151", reference="to-delete")
    sign_in(page, portal)
    page.goto(f"{portal.url}/orders/{order_id}")
    page.get_by_role("button", name="Delete draft").click()
    expect(page.get_by_role("heading", name="Delete the draft order to-delete?")).to_be_visible()
    expect(page.locator("ul.consequences")).to_contain_text("2 phone numbers")
    assert order_of(portal, order_id)["status"]["value"] == "draft"  # not yet
    shots(page, "delete-confirm")
    page.get_by_role("button", name="Yes, delete the draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft deleted")
    expect(page).to_have_url(portal.url + "/orders")
    expect(page.locator("#orders")).not_to_contain_text("to-delete")
    with portal.api() as api:
        assert api.get(f"/porting_orders/{order_id}").status_code == 404


def focus_on(page: Page, check: str, presses: int = 60) -> None:
    """Press Tab until `check` (JavaScript about document.activeElement) holds."""
    for _ in range(presses):
        if page.evaluate(f"(() => {{ const a = document.activeElement; return {check}; }})()"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {check}")


def test_an_order_is_made_with_the_keyboard_alone(page: Page, portal: Portal) -> None:
    sign_in(page, portal)
    page.goto(portal.url + "/orders")
    focus_on(page, "a.id === 'new-order'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New port-in order")).to_be_visible()
    focus_on(page, "a.id === 'phone_numbers'")  # focused already (autofocus)
    page.keyboard.type("+1 312 555 0160; tel:+1-312-555-0161")
    focus_on(page, "a.id === 'customer_reference'")
    page.keyboard.type("keyboard-only")
    expect(page.locator("#paste-preview")).to_contain_text("2 phone numbers found")
    focus_on(page, "a.id === 'create-order'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Draft order created with 2 numbers")
    expect(page.get_by_role("heading", name="Order keyboard-only")).to_be_visible()
