"""Phone number verification codes: send, list, verify, the lock-out, the sandbox's codes for
the porting desk, and refusals that change nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update

from portin.api.app import create_app
from portin.config import Settings
from portin.delivery.code_sender import CodeMessage, SandboxSender, load_sender
from portin.domain.timefmt import utcnow
from portin.storage.db import Database
from portin.storage.models import PortingVerificationCode
from tests.conftest import Api, Tenant

MOBILE_1, MOBILE_2, MOBILE_3 = "+4915112345601", "+4915112345602", "+4915112345603"
LANDLINE = "+13035550100"


def codes_path(order_id: str) -> str:
    return f"/v2/porting_orders/{order_id}/verification_codes"


def desk_codes(api: Api, order_id: str) -> dict[str, dict[str, Any]]:
    """The porting desk's view, by number."""
    body = api.op("GET", f"/v2/operator/porting_orders/{order_id}/verification_codes",
                  params={"page[size]": 250})
    return {c["phone_number"]: c for c in body["data"]}


def send(api: Api, order_id: str, expect: int = 204, **body: Any) -> Any:
    return api.user("POST", f"{codes_path(order_id)}/send", expect, json=body)


def verify(api: Api, order_id: str, pairs: dict[str, str], expect: int = 200) -> Any:
    return api.user("POST", f"{codes_path(order_id)}/verify", expect, json={
        "verification_codes": [{"phone_number": n, "code": c} for n, c in pairs.items()]})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def steps(api: Api, order_id: str) -> list[str]:
    return list(api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["additional_steps"])


def set_code_times(db: Database, order_id: str, **values: Any) -> None:
    with db.writing() as session:
        session.execute(update(PortingVerificationCode)
                        .where(PortingVerificationCode.porting_order_id == order_id)
                        .values(**values))


def test_mobile_numbers_need_codes_until_each_is_verified(api: Api) -> None:
    order = api.create_order(MOBILE_1, MOBILE_2, LANDLINE)
    assert order["additional_steps"] == ["phone_number_verification_codes"]
    assert api.create_order("+13035550101")["additional_steps"] == []

    send(api, order["id"])  # no numbers named: every number still needing a code
    desk = desk_codes(api, order["id"])
    assert sorted(desk) == [MOBILE_1, MOBILE_2]
    for entry in desk.values():
        assert len(entry["code"]) == 6 and entry["code"].isdigit()
        assert entry["verification_method"] == "sms"
        assert entry["verified"] is False and entry["failed_attempts"] == 0
        assert entry["locked_until"] is None and entry["expires_at"].endswith("Z")
    listed = api.user("GET", codes_path(order["id"]))
    assert listed["meta"]["total_results"] == 2
    assert set(listed["data"][0]) == {"id", "phone_number", "porting_order_id", "verified",
                                      "created_at", "updated_at", "record_type"}
    assert listed["data"][0]["record_type"] == "porting_verification_code"

    first = verify(api, order["id"], {MOBILE_1: desk[MOBILE_1]["code"]})["data"]
    assert [(c["phone_number"], c["verified"]) for c in first] == [(MOBILE_1, True)]
    assert steps(api, order["id"]) == ["phone_number_verification_codes"]
    verify(api, order["id"], {MOBILE_2: desk[MOBILE_2]["code"]})
    assert steps(api, order["id"]) == []
    listed_orders = api.user("GET", "/v2/porting_orders")["data"]
    assert {o["id"]: o["additional_steps"] for o in listed_orders}[order["id"]] == []
    # Verified codes are no longer kept readable; verifying again with the same code is fine.
    assert all(c["code"] is None for c in desk_codes(api, order["id"]).values())
    again = verify(api, order["id"], {MOBILE_1: desk[MOBILE_1]["code"]})["data"]
    assert again[0]["verified"] is True


def test_named_numbers_by_call_and_a_resend_replaces_the_code(api: Api) -> None:
    order = api.create_order(MOBILE_1, LANDLINE)
    send(api, order["id"], phone_numbers=[LANDLINE], verification_method="call")
    first = desk_codes(api, order["id"])[LANDLINE]
    assert first["verification_method"] == "call"
    send(api, order["id"], phone_numbers=[LANDLINE])
    second = desk_codes(api, order["id"])[LANDLINE]
    assert second["id"] == first["id"] and second["verification_method"] == "sms"
    assert second["created_at"] == first["created_at"]
    assert second["updated_at"] >= first["updated_at"]
    if second["code"] != first["code"]:  # one chance in a million that they are equal
        verify(api, order["id"], {LANDLINE: first["code"]}, expect=422)
    verify(api, order["id"], {LANDLINE: second["code"]})


def test_list_filters_sorts_and_pages(api: Api) -> None:
    order = api.create_order(MOBILE_1, MOBILE_2, MOBILE_3)
    for number in (MOBILE_1, MOBILE_2, MOBILE_3):
        send(api, order["id"], phone_numbers=[number])
    verify(api, order["id"], {MOBILE_2: desk_codes(api, order["id"])[MOBILE_2]["code"]})
    path = codes_path(order["id"])

    def numbers(**params: Any) -> list[str]:
        return [c["phone_number"] for c in api.user("GET", path, params=params)["data"]]

    assert numbers() == [MOBILE_3, MOBILE_2, MOBILE_1]
    assert numbers(**{"sort[value]": "created_at"}) == [MOBILE_1, MOBILE_2, MOBILE_3]
    assert numbers(**{"filter[verified]": "true"}) == [MOBILE_2]
    assert numbers(**{"filter[verified]": "false"}) == [MOBILE_3, MOBILE_1]
    page = api.user("GET", path, params={"page[size]": 2, "page[number]": 2})
    assert [c["phone_number"] for c in page["data"]] == [MOBILE_1]
    assert page["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 2,
                            "total_results": 3}
    api.user("GET", path, 400, params={"filter[verified]": "maybe"})
    api.user("GET", path, 422, params={"sort[value]": "phone_number"})
    api.user("GET", path, 422, params={"page[size]": 0})


def test_five_wrong_codes_lock_the_number_for_fifteen_minutes(api: Api, db: Database) -> None:
    order = api.create_order(MOBILE_1, MOBILE_2)
    send(api, order["id"])
    desk = desk_codes(api, order["id"])
    code = desk[MOBILE_1]["code"]
    for left in (4, 3, 2, 1):
        refused = verify(api, order["id"], {MOBILE_1: wrong(code)}, expect=422)
        error = refused["errors"][0]
        assert f"{left} more wrong code" in error["detail"]
        assert error["source"]["pointer"] == "/verification_codes/0/code"
        assert code not in error["detail"]
    response = api.client.post(f"{codes_path(order['id'])}/verify", headers=api.tenant.headers,
                               json={"verification_codes": [
                                   {"phone_number": MOBILE_1, "code": wrong(code)}]})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert "locked until" in response.json()["errors"][0]["detail"]
    # Locked: even the right code is refused, and so is a new code; nothing is verified.
    verify(api, order["id"], {MOBILE_1: code}, expect=429)
    send(api, order["id"], 429, phone_numbers=[MOBILE_1])
    locked = desk_codes(api, order["id"])[MOBILE_1]
    assert locked["verified"] is False and locked["failed_attempts"] == 5
    assert locked["locked_until"] is not None and locked["code"] == code
    # The other number is not locked.
    verify(api, order["id"], {MOBILE_2: desk[MOBILE_2]["code"]})
    # Fifteen minutes later (the lock moved into the past) the right code works again.
    past = utcnow() - timedelta(seconds=1)
    set_code_times(db, order["id"], locked_until=past)
    verify(api, order["id"], {MOBILE_1: code})
    after = desk_codes(api, order["id"])[MOBILE_1]
    assert after["verified"] is True and after["failed_attempts"] == 0
    assert after["locked_until"] is None


def test_a_new_code_does_not_reset_the_count_of_wrong_codes(api: Api) -> None:
    order = api.create_order(MOBILE_1)
    send(api, order["id"])
    for _ in range(4):
        verify(api, order["id"], {MOBILE_1: wrong(desk_codes(api, order["id"])[MOBILE_1]["code"])},
               expect=422)
    send(api, order["id"])
    fresh = desk_codes(api, order["id"])[MOBILE_1]
    assert fresh["failed_attempts"] == 4
    verify(api, order["id"], {MOBILE_1: wrong(fresh["code"])}, expect=429)


def test_an_expired_code_is_refused_without_counting(api: Api, db: Database) -> None:
    order = api.create_order(MOBILE_1)
    send(api, order["id"])
    code = desk_codes(api, order["id"])[MOBILE_1]["code"]
    set_code_times(db, order["id"], expires_at=utcnow() - timedelta(seconds=1))
    refused = verify(api, order["id"], {MOBILE_1: code}, expect=422)
    assert "expired" in refused["errors"][0]["detail"]
    assert desk_codes(api, order["id"])[MOBILE_1]["failed_attempts"] == 0
    send(api, order["id"])
    verify(api, order["id"], {MOBILE_1: desk_codes(api, order["id"])[MOBILE_1]["code"]})


def test_refusals_change_nothing(api: Api) -> None:
    order = api.create_order(MOBILE_1, MOBILE_2, LANDLINE)
    us_only = api.create_order("+13035550102")
    send(api, order["id"], phone_numbers=[MOBILE_1])
    before = desk_codes(api, order["id"])
    oid = order["id"]
    send(api, oid, 422, phone_numbers=["+4915112349999"])  # not on the order
    send(api, oid, 422, phone_numbers=[MOBILE_2, MOBILE_2])
    send(api, oid, 422, phone_numbers=[])
    send(api, oid, 422, phone_numbers=[MOBILE_2], verification_method="pigeon")
    send(api, oid, 422, phone_numbers=[MOBILE_2], unknown_field=1)
    send(api, us_only["id"], 422)  # nothing needs a code there
    verify(api, oid, {"+4915112349999": "123456"}, expect=422)
    verify(api, oid, {MOBILE_2: "123456"}, expect=422)  # never sent
    verify(api, oid, {}, expect=422)
    api.user("POST", f"{codes_path(oid)}/verify", 422,
             json={"verification_codes": [{"phone_number": MOBILE_1}]})
    api.user("POST", f"{codes_path(oid)}/verify", 422, json={})
    api.user("POST", f"{codes_path(oid)}/verify", 422, json={"verification_codes": [
        {"phone_number": MOBILE_1, "code": before[MOBILE_1]["code"]},
        {"phone_number": MOBILE_1, "code": before[MOBILE_1]["code"]}]})
    assert desk_codes(api, oid) == before
    assert desk_codes(api, us_only["id"]) == {}

    # All or none: a right code beside a wrong one verifies neither; only the wrong one counts.
    send(api, oid, phone_numbers=[MOBILE_2])
    codes = desk_codes(api, oid)
    verify(api, oid, {MOBILE_1: codes[MOBILE_1]["code"], MOBILE_2: wrong(codes[MOBILE_2]["code"])},
           expect=422)
    after = desk_codes(api, oid)
    assert not after[MOBILE_1]["verified"] and not after[MOBILE_2]["verified"]
    assert after[MOBILE_1]["failed_attempts"] == 0 and after[MOBILE_2]["failed_attempts"] == 1

    # A verified number is not sent a new code; a finished order takes none.
    verify(api, oid, {MOBILE_1: codes[MOBILE_1]["code"]})
    send(api, oid, 422, phone_numbers=[MOBILE_1])
    api.confirm(oid)
    api.user("POST", f"/v2/porting_orders/{oid}/actions/cancel")
    api.move(oid, "cancelled")
    kept = desk_codes(api, oid)
    send(api, oid, 422, phone_numbers=[MOBILE_2])
    verify(api, oid, {MOBILE_2: codes[MOBILE_2]["code"]}, expect=422)
    assert desk_codes(api, oid) == kept


def test_codes_are_sealed_per_organization(api: Api, client: TestClient,
                                           other_tenant: Tenant) -> None:
    order = api.create_order(MOBILE_1)
    send(api, order["id"])
    code = desk_codes(api, order["id"])[MOBILE_1]["code"]
    theirs = other_tenant.headers
    path = codes_path(order["id"])
    assert client.get(path, headers=theirs).status_code == 404
    assert client.post(f"{path}/send", headers=theirs, json={}).status_code == 404
    assert client.post(f"{path}/verify", headers=theirs, json={"verification_codes": [
        {"phone_number": MOBILE_1, "code": code}]}).status_code == 404
    assert client.get(f"/v2/operator/porting_orders/{order['id']}/verification_codes",
                      headers=api.tenant.headers).status_code == 403
    assert client.get(path, headers=api.operator).status_code == 403
    api.op("GET", "/v2/operator/porting_orders/nope/verification_codes", 404)
    assert desk_codes(api, order["id"])[MOBILE_1]["verified"] is False


class RecordingSender:
    """A carrier's sender as a plug-in would be: it keeps what it was asked to send."""

    operator_reads_codes = False

    def __init__(self) -> None:
        self.sent: list[CodeMessage] = []

    def send(self, messages: Sequence[CodeMessage]) -> None:
        self.sent.extend(messages)


SENT_BY_CARRIER: list[RecordingSender] = []


def recording_sender(settings: Settings) -> RecordingSender:
    sender = RecordingSender()
    SENT_BY_CARRIER.append(sender)
    return sender


def test_a_carrier_sender_gets_the_codes_and_portin_keeps_only_digests(
        settings: Settings, db: Database, tenant: Tenant, operator: dict[str, str]) -> None:
    carrier = settings.model_copy(update={
        "verification_code_sender": f"{__name__}:recording_sender"})
    with TestClient(create_app(carrier, db), raise_server_exceptions=False) as client:
        api = Api(client, tenant, operator)
        sender = SENT_BY_CARRIER[-1]
        order = api.create_order(MOBILE_1)
        send(api, order["id"], verification_method="call")
        [message] = sender.sent
        assert (message.porting_order_id, message.phone_number, message.method) == (
            order["id"], MOBILE_1, "call")
        assert message.code not in repr(message)
        assert desk_codes(api, order["id"])[MOBILE_1]["code"] is None
        with db.reading() as session:
            row = session.scalars(select(PortingVerificationCode)).one()
            assert row.sandbox_code is None and message.code not in row.code_digest
        verify(api, order["id"], {MOBILE_1: message.code})


def test_the_sender_setting_is_checked() -> None:
    with pytest.raises(ValidationError):
        Settings(verification_code_sender="not a sender")
    assert isinstance(load_sender(Settings()), SandboxSender)
