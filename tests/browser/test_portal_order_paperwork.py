"""An order's paperwork in a real browser: its requirements, the LOA template downloaded,
the signed LOA uploaded and downloaded again, a refused upload shown beside its field."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal, shot, sign_in


def test_requirements_loa_template_and_upload(page: Page, portal: Portal,
                                              tmp_path: Path) -> None:
    with portal.api() as api:
        order = api.post("/porting_orders", json={"phone_numbers": ["+13125550171"],
                                                   "customer_reference": "paperwork"}).json()
    order_id = order["data"][0]["id"]
    sign_in(page, portal)
    page.goto(f"{portal.url}/orders/{order_id}")

    requirements = page.locator("section[aria-labelledby='requirements-h']")
    expect(requirements).to_contain_text("not all met")
    expect(requirements.locator("tbody tr")).not_to_have_count(0)
    expect(requirements).to_contain_text("requirement-info-pending")
    shot(page, "20-order-paperwork")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download LOA template").click()
    template = tmp_path / "loa-template.pdf"
    download_info.value.save_as(template)
    assert template.read_bytes().startswith(b"%PDF")

    # A file that is not a PDF or an image: refused beside the field, nothing kept.
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a letter")
    page.get_by_label("Upload the signed LOA").set_input_files(str(wrong))
    page.get_by_role("button", name="Upload LOA").click()
    expect(page.get_by_role("alert")).to_contain_text("must be a PDF, PNG or JPEG")
    shot(page, "21-order-upload-refused")

    # The template, "signed", as the order's LOA.
    page.get_by_label("Upload the signed LOA").set_input_files(str(template))
    page.get_by_role("button", name="Upload LOA").click()
    expect(page.get_by_role("status")).to_contain_text("LOA uploaded.")
    documents = page.locator("section[aria-labelledby='documents-h']")
    expect(documents).to_contain_text("loa-template.pdf")
    with page.expect_download() as again:
        documents.get_by_role("link", name="loa-template.pdf").click()
    copy = tmp_path / "copy.pdf"
    again.value.save_as(copy)
    assert copy.read_bytes() == template.read_bytes()
    with portal.api() as api:
        shown = api.get(f"/porting_orders/{order_id}").json()["data"]
    assert shown["documents"]["loa"]
    shot(page, "22-order-loa-uploaded")
