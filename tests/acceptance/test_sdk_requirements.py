"""An order's requirements through the official `telnyx` SDK against a real `portin serve`:
retrieve_requirements and update(requirements=...), every answer validated strictly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import telnyx

ACCOUNT = "5a91687c-c03b-4367-852d-b428bb78e9dd"  # shipped: the textual account number
LOA = "9c467809-9f49-42cb-a3c4-4007acfc128e"
INVOICE = "c053938a-d4eb-416a-a88a-7ebd24deef0d"


_counter = iter(range(1000, 9999))


def fresh_number() -> str:
    return f"+1720444{next(_counter):04d}"


def desk_call(desk: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = desk.request(method, path, **kwargs)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.content else None


def test_retrieve_requirements_pages_through_what_the_numbers_need(sdk: telnyx.Telnyx) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    assert order.id is not None
    first = sdk.porting_orders.retrieve_requirements(order.id, page_size=2)
    assert len(first.data) == 2 and first.meta is not None and first.meta.total_results == 3
    every = list(sdk.porting_orders.retrieve_requirements(order.id, page_size=2))  # auto-paging
    assert [r.requirement_type.name for r in every if r.requirement_type] == [
        "Account Number", "Latest Invoice", "Letter of Authorization"]
    account = every[0]
    assert account.field_type == "textual" and account.field_value is None
    assert account.record_type == "porting_requirement"
    assert account.requirement_status == "requirement-info-pending"
    assert account.requirement_type is not None and account.requirement_type.id == ACCOUNT
    assert account.requirement_type.acceptance_criteria == {
        "min_length": 1, "max_length": 40,
        "acceptable_characters": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"}
    assert order.requirements_met is False
    assert [(r.requirement_type_id, r.field_type) for r in order.requirements or []] == [
        (INVOICE, "document"), (LOA, "document")]


def test_update_gives_a_textual_value_and_the_desk_reviews_it(
        sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    assert order.id is not None
    updated = sdk.porting_orders.update(
        order.id, requirements=[{"requirement_type_id": ACCOUNT, "field_value": "84-01234"}])
    assert updated.data is not None and updated.data.requirements_met is False
    [account] = [r for r in sdk.porting_orders.retrieve_requirements(order.id)
                 if r.requirement_type and r.requirement_type.id == ACCOUNT]
    assert account.field_value == "84-01234"
    assert account.requirement_status == "requirement-info-under-review"

    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.update(
            order.id, requirements=[{"requirement_type_id": ACCOUNT, "field_value": "84 01"}])
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.update(
            order.id, requirement_group_id="rg-1",
            requirements=[{"requirement_type_id": ACCOUNT, "field_value": "1"}])
    kept = sdk.porting_orders.update(order.id, requirement_group_id="rg-1")
    assert kept.data is not None

    sdk.porting_orders.actions.confirm(order.id)
    desk_call(desk, "POST", f"/porting_orders/{order.id}/status", json={"value": "submitted"})
    desk_call(desk, "POST", f"/porting_orders/{order.id}/requirements/{ACCOUNT}",
              json={"status": "rejected", "reason": "Not on the invoice"})
    rejected = sdk.porting_orders.retrieve(order.id).data
    assert rejected is not None and rejected.status is not None
    assert rejected.status.value == "exception"
    assert rejected.status.details is not None
    assert [d.code for d in rejected.status.details] == ["OTHER"]
    numbers = sdk.porting_phone_numbers.list(extra_query={"filter[porting_order_id]": order.id})
    assert [x.requirements_status for x in numbers.data] == ["requirement-info-exception"]


def test_requirements_met_once_every_requirement_has_a_value(
        sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    """A country whose catalogue asks only for a text, set by the operator."""
    desk_call(desk, "PUT", "/requirement_types/pac", json={
        "name": "Porting Authorisation Code", "description": "The code the current provider"
        " gives to release the number.", "example": "PAC123456", "type": "textual",
        "acceptance_criteria": {"min_length": 9, "max_length": 9}})
    desk_call(desk, "PUT", "/requirements_by_country/GB/landline",
              json={"requirement_type_ids": ["pac"]})
    order = sdk.porting_orders.create(phone_numbers=["+442071838751"]).data[0]  # type: ignore[index]
    assert order.id is not None and order.requirements_met is False
    updated = sdk.porting_orders.update(
        order.id, requirements=[{"requirement_type_id": "pac", "field_value": "PAC123456"}])
    assert updated.data is not None and updated.data.requirements_met is True
    assert updated.data.requirements == []  # the order's own list holds documents only
    desk_call(desk, "POST", f"/porting_orders/{order.id}/requirements/pac",
              json={"status": "approved"})
    retrieved = sdk.porting_orders.retrieve(order.id).data
    assert retrieved is not None and retrieved.phone_numbers is not None
    assert [x.requirements_status for x in retrieved.phone_numbers] == ["approved"]
