"""The `telnyx` SDK's number-range methods against a real `portin serve`, strictly validated:
phone number blocks, extensions, associated phone numbers and number configurations."""

from __future__ import annotations

import httpx
import pytest
import telnyx

FIRST, LAST, OTHER = "+442079460000", "+442079460099", "+442079460100"
BUNDLE = "1c2d3e4f-0000-4000-8000-000000000001"


def partial_uk_order(sdk: telnyx.Telnyx, *numbers: str) -> str:
    order = sdk.porting_orders.create(phone_numbers=list(numbers or (FIRST, LAST, OTHER))).data
    assert order is not None and order[0].id is not None
    sdk.porting_orders.update(order[0].id, misc={"type": "partial"})
    return order[0].id


def test_blocks_extensions_and_associated_numbers_through_the_sdk(
        sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    order_id = partial_uk_order(sdk)
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.additional_steps == ["associated_phone_numbers"]
    assert order.phone_numbers is not None
    number_id = order.phone_numbers[0].id
    assert number_id is not None

    blocks = sdk.porting_orders.phone_number_blocks
    block = blocks.create(order_id, phone_number_range={"start_at": FIRST, "end_at": LAST},
                          activation_ranges=[{"start_at": FIRST,
                                              "end_at": "+442079460009"}]).data
    assert block is not None and block.id is not None
    assert block.phone_number_range is not None
    assert (block.phone_number_range.start_at, block.phone_number_range.end_at) == (FIRST, LAST)
    assert (block.country_code, block.phone_number_type) == ("GB", "landline")
    listed = list(blocks.list(order_id, filter={
        "phone_number": ["+442079460042"], "status": "draft", "portability_status": "pending",
        "porting_order_id": [order_id]}, sort={"value": "created_at"}))
    assert [b.id for b in listed] == [block.id]
    assert list(blocks.list(order_id, filter={"phone_number": [OTHER]})) == []
    assert list(blocks.list(order_id, filter={"support_key": ["sr_000000"]})) == []
    with pytest.raises(telnyx.UnprocessableEntityError):  # overlaps the block
        blocks.create(order_id, phone_number_range={"start_at": LAST, "end_at": OTHER},
                      activation_ranges=[{"start_at": LAST, "end_at": LAST}])

    extensions = sdk.porting_orders.phone_number_extensions
    extension = extensions.create(order_id, porting_phone_number_id=number_id,
                                  extension_range={"start_at": 100, "end_at": 199},
                                  activation_ranges=[{"start_at": 100, "end_at": 149}]).data
    assert extension is not None and extension.extension_range is not None
    assert extension.extension_range.end_at == 199
    assert [e.id for e in extensions.list(
        order_id, filter={"porting_phone_number_id": number_id})] == [extension.id]

    associated = sdk.porting_orders.associated_phone_numbers
    keep = associated.create(order_id, action="keep", phone_number_range={
        "start_at": "+442079460500", "end_at": "+442079460599"}).data
    assert keep is not None and keep.action == "keep" and keep.porting_order_id == order_id
    assert (keep.country_code, keep.phone_number_type) == ("GB", "landline")
    assert [a.id for a in associated.list(
        order_id, filter={"action": "keep", "phone_number": "+442079460550"})] == [keep.id]
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.additional_steps == []

    # The porting desk sees them all.
    for kind, row_id in (("phone_number_blocks", block.id),
                         ("phone_number_extensions", extension.id),
                         ("associated_phone_numbers", keep.id)):
        answer = desk.get(f"/porting_orders/{order_id}/{kind}")
        assert answer.status_code == 200, answer.text
        assert [r["id"] for r in answer.json()["data"]] == [row_id]

    # Deleting answers the deleted object; a second delete is not found.
    assert keep.id is not None and extension.id is not None
    deleted_keep = associated.delete(keep.id, porting_order_id=order_id).data
    assert deleted_keep is not None and deleted_keep.id == keep.id
    deleted_extension = extensions.delete(extension.id, porting_order_id=order_id).data
    assert deleted_extension is not None and deleted_extension.id == extension.id
    deleted_block = blocks.delete(block.id, porting_order_id=order_id).data
    assert deleted_block is not None and deleted_block.id == block.id
    with pytest.raises(telnyx.NotFoundError):
        blocks.delete(block.id, porting_order_id=order_id)
    assert list(blocks.list(order_id)) == []


def test_number_configurations_through_the_sdk(sdk: telnyx.Telnyx) -> None:
    order_id = partial_uk_order(sdk, "+442079460800")
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.phone_numbers is not None
    number_id = order.phone_numbers[0].id
    assert number_id is not None
    configurations = sdk.porting_orders.phone_number_configurations
    created = configurations.create(phone_number_configurations=[
        {"porting_phone_number_id": number_id, "user_bundle_id": BUNDLE}]).data
    assert created is not None and [c.porting_phone_number_id for c in created] == [number_id]
    listed = list(configurations.list(filter={
        "porting_phone_number": [number_id], "user_bundle_id": [BUNDLE],
        "porting_order": {"status": ["draft", "exception"]}}, sort={"value": "-created_at"}))
    assert [c.id for c in listed] == [created[0].id]
    assert listed[0].user_bundle_id == BUNDLE
    with pytest.raises(telnyx.UnprocessableEntityError):  # already configured
        configurations.create(phone_number_configurations=[
            {"porting_phone_number_id": number_id, "user_bundle_id": BUNDLE}])
