"""Verification codes and action requirements through the official `telnyx` SDK against a real
`portin serve`, every answer validated strictly; the codes are read from the porting desk's
endpoint (the sandbox sends nothing)."""

from __future__ import annotations

import httpx
import pytest
import telnyx


def sandbox_codes(desk: httpx.Client, order_id: str) -> dict[str, str]:
    response = desk.get(f"/porting_orders/{order_id}/verification_codes")
    assert response.status_code == 200, response.text
    return {c["phone_number"]: c["code"] for c in response.json()["data"]}


def test_send_list_and_verify_codes(sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    numbers = ["+4915112345611", "+4915112345612"]
    order = sdk.porting_orders.create(phone_numbers=numbers).data[0]  # type: ignore[index]
    assert order.id is not None
    assert order.additional_steps == ["phone_number_verification_codes"]
    codes = sdk.porting_orders.verification_codes
    assert codes.send(order.id, phone_numbers=numbers,  # type: ignore[func-returns-value]
                      verification_method="sms") is None
    listed = codes.list(order.id, filter={"verified": False}, sort={"value": "created_at"},
                        page_size=1)
    assert len(listed.data) == 1 and listed.data[0].verified is False
    assert listed.data[0].record_type == "porting_verification_code"
    assert sorted(c.phone_number or "" for c in listed) == numbers  # the SDK pages on

    sent = sandbox_codes(desk, order.id)
    with pytest.raises(telnyx.UnprocessableEntityError):
        codes.verify(order.id, verification_codes=[
            {"phone_number": numbers[0], "code": f"{(int(sent[numbers[0]]) + 1) % 10**6:06d}"}])
    verified = codes.verify(order.id, verification_codes=[
        {"phone_number": n, "code": sent[n]} for n in numbers])
    assert verified.data is not None
    assert sorted((c.phone_number, c.verified) for c in verified.data) == [
        (n, True) for n in numbers]
    assert [c.phone_number for c in codes.list(order.id, filter={"verified": True})] != []
    fetched = sdk.porting_orders.retrieve(order.id).data
    assert fetched is not None and fetched.additional_steps == []


def test_list_and_initiate_action_requirements(sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    order = sdk.porting_orders.create(phone_numbers=["+61412345611"]).data[0]  # type: ignore[index]
    assert order.id is not None
    requirements = sdk.porting_orders.action_requirements
    found = requirements.list(order.id, filter={"action_type": "au_id_verification",
                                                "status": "created"},
                              sort={"value": "-created_at"}, page_number=1, page_size=10)
    assert len(found.data) == 1
    requirement = found.data[0]
    assert requirement.record_type == "porting_action_requirement"
    assert requirement.action_type == "au_id_verification" and requirement.id is not None
    by_id = requirements.list(order.id, filter={"id": [requirement.id]})
    assert [r.id for r in by_id.data] == [requirement.id]

    started = requirements.initiate(requirement.id, porting_order_id=order.id,
                                    params={"first_name": "Ada", "last_name": "Lovelace"})
    assert started.data is not None and started.data.status == "pending"
    with pytest.raises(telnyx.UnprocessableEntityError):
        requirements.initiate(requirement.id, porting_order_id=order.id,
                              params={"first_name": "Ada", "last_name": "Lovelace"})
    moved = desk.post(f"/porting_orders/{order.id}/action_requirements/{requirement.id}",
                      json={"status": "completed"})
    assert moved.status_code == 200, moved.text
    done = requirements.list(order.id, filter={"status": "completed"})
    assert [r.status for r in done.data] == ["completed"]
    comments = sdk.porting_orders.comments.list(order.id)
    assert [c.user_type for c in comments.data] == ["system", "system"]
    with pytest.raises(telnyx.NotFoundError):
        requirements.initiate("nope", porting_order_id=order.id,
                              params={"first_name": "A", "last_name": "B"})
