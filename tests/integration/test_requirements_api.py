"""An order's requirements: the operator's catalogue, GET requirements, the values a PATCH
gives, requirements_met and each number's requirements_status, the desk's review, and the
organization's confirm gate."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portin.domain.timefmt import utcnow
from portin.services import documents as document_service
from portin.storage.db import Database
from portin.storage.models import DocumentLink, PortingOrder, PortingOrderRequirement
from tests.conftest import Api, Tenant

LOA = "9c467809-9f49-42cb-a3c4-4007acfc128e"
INVOICE = "c053938a-d4eb-416a-a88a-7ebd24deef0d"
ACCOUNT = "5a91687c-c03b-4367-852d-b428bb78e9dd"
TYPES = "/v2/operator/requirement_types"
RULES = "/v2/operator/requirements_by_country"
PDF = b"%PDF-1.4\n% a small test file\n%%EOF\n"


def n(i: int) -> str:
    return f"+1303222{i:04d}"  # US local


TOLL_FREE = "+18002221222"


def store_pdf(db: Database, tenant: Tenant, name: str = "loa.pdf") -> str:
    with db.writing() as session:
        document = document_service.store_document(
            session, tenant.organization_id, name, [PDF], utcnow(), max_bytes=1_000_000)
        return document.id


def requirements(api: Api, order_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(api.user("GET", f"/v2/porting_orders/{order_id}/requirements",
                         params=params)["data"])


def statuses(api: Api, order_id: str) -> dict[str, str]:
    return {r["requirement_type"]["id"]: r["requirement_status"]
            for r in requirements(api, order_id)}


def patch(api: Api, order_id: str, expect: int = 200, **body: Any) -> Any:
    return api.user("PATCH", f"/v2/porting_orders/{order_id}", expect, json=body)


def give(type_id: str, value: str) -> dict[str, str]:
    return {"requirement_type_id": type_id, "field_value": value}


def meet_all(api: Api, db: Database, order_id: str) -> None:
    patch(api, order_id, requirements=[
        give(LOA, store_pdf(db, api.tenant)), give(INVOICE, store_pdf(db, api.tenant, "i.pdf")),
        give(ACCOUNT, "8401234567")])


def review(api: Api, order_id: str, type_id: str, status: str, reason: str | None = None,
           expect: int = 200) -> Any:
    body: dict[str, Any] = {"status": status}
    if reason is not None:
        body["reason"] = reason
    return api.op("POST", f"/v2/operator/porting_orders/{order_id}/requirements/{type_id}",
                  expect, json=body)


def links(db: Database, order_id: str) -> list[tuple[str, str, str]]:
    with db.reading() as session:
        rows = session.execute(select(DocumentLink)
                               .where(DocumentLink.linked_resource_id == order_id)).scalars()
        return sorted((r.document_id, r.linked_record_type, r.purpose) for r in rows)


# -- the catalogue ----------------------------------------------------------------------
def test_the_shipped_catalogue_is_listed(api: Api) -> None:
    types = api.op("GET", TYPES)
    assert types["meta"]["total_results"] == 3
    assert [t["name"] for t in types["data"]] == ["Account Number", "Latest Invoice",
                                                  "Letter of Authorization"]
    assert types["data"][0]["type"] == "textual"
    assert types["data"][0]["acceptance_criteria"]["max_length"] == 40
    us = api.op("GET", RULES, params={"filter[country_code]": "US"})
    assert [(r["phone_number_type"], len(r["requirement_type_ids"])) for r in us["data"]] == [
        ("landline", 3), ("local", 3), ("mobile", 3), ("toll_free", 2)]
    assert api.op("GET", f"{TYPES}/{LOA}")["data"]["name"] == "Letter of Authorization"
    api.user("GET", TYPES, 403)


def test_operator_edits_the_catalogue_and_orders_follow(api: Api) -> None:
    uk = api.create_order("+442071838750")["id"]  # a London landline: nothing required yet
    assert requirements(api, uk) == []
    body = {"name": "Porting Code", "description": "The code the current provider gives.",
            "example": "PAC123456", "type": "textual",
            "acceptance_criteria": {"min_length": 9, "max_length": 9}}
    created = api.op("PUT", f"{TYPES}/uk-pac", json=body)["data"]
    assert created["id"] == "uk-pac" and created["record_type"] == "requirement_type"
    assert created["acceptance_criteria"] == {"min_length": 9, "max_length": 9}
    rule = api.op("PUT", f"{RULES}/GB/landline", json={"requirement_type_ids": ["uk-pac"]})
    assert rule["data"] == {"country_code": "GB", "phone_number_type": "landline",
                            "requirement_type_ids": ["uk-pac"],
                            "record_type": "country_requirements"}
    [only] = requirements(api, uk)
    assert only["requirement_type"]["name"] == "Porting Code"
    patch(api, uk, 422, requirements=[give("uk-pac", "PAC12")])  # too short
    patch(api, uk, requirements=[give("uk-pac", "PAC123456")])

    # A type in use is kept: by a rule, then by an order's value.
    api.op("DELETE", f"{TYPES}/uk-pac", 409)
    api.op("DELETE", f"{RULES}/GB/landline", 204)
    api.op("DELETE", f"{RULES}/GB/landline", 404)
    assert requirements(api, uk) == []
    api.op("DELETE", f"{TYPES}/uk-pac", 409)
    api.op("PUT", f"{TYPES}/uk-pac", 409, json={**body, "type": "document"})
    renamed = api.op("PUT", f"{TYPES}/uk-pac", json={**body, "name": "PAC"})["data"]
    assert renamed["name"] == "PAC" and renamed["created_at"] == created["created_at"]

    spare = api.op("PUT", f"{TYPES}/spare", json={**body, "type": "document"})["data"]
    api.op("DELETE", f"{TYPES}/{spare['id']}", 204)
    api.op("GET", f"{TYPES}/spare", 404)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", f"{TYPES}/bad id!", {"name": "x", "description": "x", "type": "textual"}),
    ("PUT", f"{TYPES}/x", {"name": "x", "description": "x", "type": "address"}),
    ("PUT", f"{TYPES}/x", {"name": "x", "description": "x", "type": "textual",
                           "acceptance_criteria": {"min_length": 5, "max_length": 2}}),
    ("PUT", f"{TYPES}/x", {"name": "x", "description": "x", "type": "textual",
                           "acceptance_criteria": {"colour": "red"}}),
    ("PUT", f"{TYPES}/x", {"name": "", "description": "x", "type": "textual"}),
    ("PUT", f"{RULES}/us/local", {"requirement_type_ids": [LOA]}),
    ("PUT", f"{RULES}/US/fax", {"requirement_type_ids": [LOA]}),
    ("PUT", f"{RULES}/US/local", {"requirement_type_ids": ["no-such-type"]}),
    ("PUT", f"{RULES}/US/local", {"requirement_type_ids": [LOA, LOA]}),
])
def test_bad_catalogue_edits_are_refused_and_change_nothing(api: Api, method: str, path: str,
                                                            body: dict[str, Any]) -> None:
    before = (api.op("GET", TYPES), api.op("GET", RULES))
    api.op(method, path, 422, json=body)
    assert (api.op("GET", TYPES), api.op("GET", RULES)) == before


# -- GET requirements -------------------------------------------------------------------
def test_an_order_lists_what_its_numbers_need(api: Api, other_tenant: Tenant) -> None:
    order_id = api.create_order(n(1), n(2))["id"]
    listed = requirements(api, order_id)
    assert [r["requirement_type"]["name"] for r in listed] == [
        "Account Number", "Latest Invoice", "Letter of Authorization"]
    assert listed[0] == {
        "field_type": "textual", "field_value": None, "record_type": "porting_requirement",
        "requirement_status": "requirement-info-pending",
        "requirement_type": {
            "id": ACCOUNT, "name": "Account Number",
            "description": "The end user's account number with the current provider, as"
                           " printed on the invoice.",
            "example": "8401234567", "type": "textual",
            "acceptance_criteria": {
                "min_length": 1, "max_length": 40, "acceptable_characters":
                    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"}}}
    page = api.user("GET", f"/v2/porting_orders/{order_id}/requirements",
                    params={"page[size]": 2, "page[number]": 2})
    assert [r["requirement_type"]["id"] for r in page["data"]] == [LOA]
    assert page["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 2,
                            "total_results": 3}
    api.user("GET", f"/v2/porting_orders/{order_id}/requirements", 422,
             params={"page[size]": 0})
    # Another organization's order is not there; the desk sees every order's.
    response = api.client.get(f"/v2/porting_orders/{order_id}/requirements",
                              headers=other_tenant.headers)
    assert response.status_code == 404
    desk = api.op("GET", f"/v2/operator/porting_orders/{order_id}/requirements")
    assert desk["data"] == listed
    # A toll-free number needs only the documents.
    assert {r["requirement_type"]["id"]
            for r in requirements(api, api.create_order(TOLL_FREE)["id"])} == {LOA, INVOICE}


# -- PATCH requirements -----------------------------------------------------------------
def test_patch_gives_values_and_links_documents(api: Api, db: Database) -> None:
    order_id = api.create_order(n(1))["id"]
    loa = store_pdf(db, api.tenant)
    body = patch(api, order_id, requirements=[give(ACCOUNT, "84-0123"), give(LOA, loa)])["data"]
    assert body["requirements"] == [
        {"field_type": "document", "field_value": None, "record_type": "porting_requirement",
         "requirement_status": "requirement-info-pending", "requirement_type_id": INVOICE},
        {"field_type": "document", "field_value": loa, "record_type": "porting_requirement",
         "requirement_status": "requirement-info-under-review", "requirement_type_id": LOA}]
    assert body["requirements_met"] is False
    assert statuses(api, order_id) == {ACCOUNT: "requirement-info-under-review",
                                       INVOICE: "requirement-info-pending",
                                       LOA: "requirement-info-under-review"}
    assert links(db, order_id) == [(loa, "porting_order", "requirement")]

    # Another LOA replaces the first: its link follows; the same document twice is one link.
    second = store_pdf(db, api.tenant, "loa2.pdf")
    patch(api, order_id, requirements=[give(LOA, second), give(INVOICE, second)])
    assert links(db, order_id) == [(second, "porting_order", "requirement")]
    body = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert body["requirements_met"] is True
    assert body["phone_numbers"][0]["requirements_status"] == "requirement-info-under-review"
    # The first document is free again: it can be deleted.
    with db.writing() as session:
        document_service.delete_document(
            session, document_service.require_document(session, loa, api.tenant.organization_id))


def test_same_value_keeps_its_review_and_a_new_one_goes_back_to_review(api: Api) -> None:
    order_id = api.create_order(n(1))["id"]
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    review(api, order_id, ACCOUNT, "approved")
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    assert statuses(api, order_id)[ACCOUNT] == "approved"
    patch(api, order_id, requirements=[give(ACCOUNT, "5678")])
    assert statuses(api, order_id)[ACCOUNT] == "requirement-info-under-review"


def refusals(db: Database, api: Api, other: Tenant) -> list[tuple[dict[str, Any], str]]:
    theirs = store_pdf(db, other)
    mine = store_pdf(db, api.tenant)
    ok = give(ACCOUNT, "1234")
    return [
        ({"requirements": [give("no-such-type", "x")]}, "/requirements/0/requirement_type_id"),
        ({"requirements": [ok, give("uk-pac", "PAC123456")]},
         "/requirements/1/requirement_type_id"),  # a known type that does not apply
        ({"requirements": [give(LOA, theirs)]}, "/requirements/0/field_value"),
        ({"requirements": [give(LOA, "00000000-0000-0000-0000-000000000000")]},
         "/requirements/0/field_value"),
        ({"requirements": [ok, give(ACCOUNT, "5678")]}, "/requirements/1/requirement_type_id"),
        ({"requirements": [give(ACCOUNT, "x" * 41)]}, "/requirements/0/field_value"),
        ({"requirements": [give(ACCOUNT, "12 34")]}, "/requirements/0/field_value"),
        ({"requirements": [give(ACCOUNT, "")]}, "/requirements/0/field_value"),
        ({"requirements": [give(ACCOUNT, "x" * 1001)]}, "/requirements/0/field_value"),
        ({"requirements": [{"requirement_type_id": ACCOUNT}]}, "/requirements/0/field_value"),
        ({"requirements": None}, "/requirements"),
        ({"requirement_group_id": "rg-1", "requirements": [give(LOA, mine)]},
         "/requirement_group_id"),
        ({"requirement_group_id": "rg-1", "requirements": []}, "/requirement_group_id"),
        ({"requirement_group_id": "rg-1", "documents": {"loa": mine}}, "/requirement_group_id"),
        ({"requirement_group_id": ""}, "/requirement_group_id"),
    ]


def test_refused_patches_change_nothing(api: Api, db: Database, other_tenant: Tenant) -> None:
    api.op("PUT", f"{TYPES}/uk-pac", json={"name": "PAC", "description": "x",
                                           "type": "textual"})
    order_id = api.create_order(n(1))["id"]
    loa = store_pdf(db, api.tenant)
    patch(api, order_id, requirements=[give(LOA, loa)])
    before = (api.user("GET", f"/v2/porting_orders/{order_id}"), requirements(api, order_id),
              links(db, order_id))
    for body, pointer in refusals(db, api, other_tenant):
        answer = patch(api, order_id, 422, **body)
        assert answer["errors"][0]["source"]["pointer"] == pointer, (body, answer)
        after = (api.user("GET", f"/v2/porting_orders/{order_id}"),
                 requirements(api, order_id), links(db, order_id))
        assert after == before, body
    # Not in a status the user may edit: refused too.
    api.confirm(order_id)
    api.move(order_id, "submitted")
    patch(api, order_id, 422, requirements=[give(ACCOUNT, "1234")])
    patch(api, order_id, 422, requirement_group_id="rg-1")
    assert statuses(api, order_id)[ACCOUNT] == "requirement-info-pending"


def test_requirement_group_id_is_kept_and_copies_nothing(api: Api, db: Database) -> None:
    order_id = api.create_order(n(1))["id"]
    before = requirements(api, order_id)
    patch(api, order_id, requirement_group_id="rg-7f3a")
    assert requirements(api, order_id) == before
    assert group_of(db, order_id) == "rg-7f3a"
    patch(api, order_id, requirement_group_id=None)
    assert group_of(db, order_id) is None


def group_of(db: Database, order_id: str) -> str | None:
    with db.reading() as session:
        order = session.get(PortingOrder, order_id)
        assert order is not None
        return order.requirement_group_id


# -- requirements_met and each number's requirements_status ----------------------------------
def number_statuses(api: Api, order_id: str) -> dict[str, str]:
    numbers = api.user("GET", "/v2/porting_phone_numbers",
                       params={"filter[porting_order_id]": order_id})["data"]
    from_order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["phone_numbers"]
    assert {x["phone_number"]: x["requirements_status"] for x in from_order} == {
        x["phone_number"]: x["requirements_status"] for x in numbers}
    return {x["phone_number"]: x["requirements_status"] for x in numbers}


def met(api: Api, order_id: str) -> bool:
    return bool(api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["requirements_met"])


def test_met_and_number_statuses_tell_the_truth(api: Api, db: Database) -> None:
    order_id = api.create_order(n(1), TOLL_FREE)["id"]
    assert not met(api, order_id)
    assert number_statuses(api, order_id) == {n(1): "requirement-info-pending",
                                              TOLL_FREE: "requirement-info-pending"}
    patch(api, order_id, requirements=[give(LOA, store_pdf(db, api.tenant)),
                                       give(INVOICE, store_pdf(db, api.tenant))])
    assert not met(api, order_id)  # the local number also needs its account number
    assert number_statuses(api, order_id) == {n(1): "requirement-info-pending",
                                              TOLL_FREE: "requirement-info-under-review"}
    review(api, order_id, LOA, "approved")
    review(api, order_id, INVOICE, "approved")
    assert number_statuses(api, order_id)[TOLL_FREE] == "approved"
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    assert met(api, order_id)  # a value under review counts
    assert number_statuses(api, order_id) == {n(1): "requirement-info-under-review",
                                              TOLL_FREE: "approved"}
    review(api, order_id, ACCOUNT, "rejected", "Not the number on the invoice")
    assert not met(api, order_id)
    assert number_statuses(api, order_id) == {n(1): "requirement-info-exception",
                                              TOLL_FREE: "approved"}
    # A number nothing is required of is approved; so is an order of such numbers met.
    uk = api.create_order("+442071838750")["id"]
    assert met(api, uk) and number_statuses(api, uk) == {"+442071838750": "approved"}


def test_a_split_order_keeps_the_values(api: Api) -> None:
    order_id = api.create_order(n(1), n(2))["id"]
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    review(api, order_id, ACCOUNT, "approved")
    new = api.op("POST", f"/v2/operator/porting_orders/{order_id}/split",
                 json={"phone_numbers": [n(2)]}, expect=201)["data"]
    assert statuses(api, new["id"]) == statuses(api, order_id)
    assert statuses(api, new["id"])[ACCOUNT] == "approved"


# -- the desk's review ----------------------------------------------------------------------
def submitted(api: Api, *numbers: str) -> str:
    order_id = str(api.create_order(*numbers)["id"])
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")],
          webhook_url="http://127.0.0.1:9/order-hook")
    api.confirm(order_id)
    api.move(order_id, "submitted")
    return order_id


def test_a_rejection_is_an_exception_with_its_event_and_delivery(api: Api) -> None:
    order_id = submitted(api, n(1))
    answer = review(api, order_id, ACCOUNT, "rejected", "Does not match the invoice")["data"]
    assert answer["requirement_status"] == "requirement-info-exception"
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    detail = (f"Requirement 'Account Number' ({ACCOUNT}) was rejected: Does not match the"
              " invoice")
    assert order["status"] == {"value": "exception",
                               "details": [{"code": "OTHER", "description": detail}]}
    assert order["phone_numbers"][0]["requirements_status"] == "requirement-info-exception"
    [latest, *_] = api.events(**{"filter[porting_order_id]": order_id})
    assert latest["event_type"] == "porting_order.status_changed"
    assert latest["payload"]["status"] == order["status"]
    sent = [d for d in api.deliveries() if d["event_id"] == latest["id"]]
    assert [d["destination"] for d in sent] == ["http://127.0.0.1:9/order-hook"]

    # The user fixes it (the order is in exception, so editable); the desk approves.
    patch(api, order_id, requirements=[give(ACCOUNT, "5678")])
    assert statuses(api, order_id)[ACCOUNT] == "requirement-info-under-review"
    assert review(api, order_id, ACCOUNT, "approved")["data"]["requirement_status"] == "approved"
    assert api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["status"]["value"] == (
        "exception")  # resolving the exception stays the desk's move
    api.move(order_id, "submitted")


def test_a_rejection_where_exception_cannot_follow_is_a_system_comment(api: Api) -> None:
    draft = api.create_order(n(1))["id"]
    patch(api, draft, requirements=[give(ACCOUNT, "1234")])
    review(api, draft, ACCOUNT, "rejected", "Unreadable")
    assert api.user("GET", f"/v2/porting_orders/{draft}")["data"]["status"]["value"] == "draft"
    [comment] = api.user("GET", f"/v2/porting_orders/{draft}/comments")["data"]
    assert comment["user_type"] == "system" and "Unreadable" in comment["body"]
    assert [e["event_type"] for e in api.events(**{"filter[porting_order_id]": draft})] == [
        "porting_order.new_comment"]

    # Already in exception: it stays there, told by a comment.
    order_id = submitted(api, n(2))
    api.move(order_id, "exception", "LOA_ILLEGIBLE")
    review(api, order_id, ACCOUNT, "rejected", "Wrong account")
    order = api.user("GET", f"/v2/porting_orders/{order_id}")["data"]
    assert [d["code"] for d in order["status"]["details"]] == ["LOA_ILLEGIBLE"]
    assert "Wrong account" in api.user(
        "GET", f"/v2/porting_orders/{order_id}/comments")["data"][0]["body"]


def test_bad_reviews_are_refused_and_change_nothing(api: Api) -> None:
    order_id = submitted(api, n(1))
    before = (api.user("GET", f"/v2/porting_orders/{order_id}"), requirements(api, order_id),
              api.events())
    review(api, order_id, ACCOUNT, "rejected", expect=422)  # no reason
    review(api, order_id, ACCOUNT, "rejected", "   ", expect=422)
    review(api, order_id, ACCOUNT, "maybe", expect=422)
    review(api, order_id, LOA, "approved", expect=422)  # no value to review
    review(api, order_id, "no-such-type", "approved", expect=404)
    review(api, "00000000-0000-0000-0000-000000000000", ACCOUNT, "approved", expect=404)
    api.op("PUT", f"{TYPES}/uk-pac", json={"name": "PAC", "description": "x",
                                           "type": "textual"})
    review(api, order_id, "uk-pac", "approved", expect=422)  # does not apply
    api.user("POST", f"/v2/operator/porting_orders/{order_id}/requirements/{ACCOUNT}", 403,
             json={"status": "approved"})
    after = (api.user("GET", f"/v2/porting_orders/{order_id}"), requirements(api, order_id),
             api.events())
    assert after == before
    api.user("POST", f"/v2/porting_orders/{order_id}/actions/cancel")
    review(api, order_id, ACCOUNT, "approved", expect=422)  # cancel-pending: no more reviews


# -- the confirm gate -----------------------------------------------------------------------
def test_confirm_gate_off_by_default_and_on_when_asked(api: Api, db: Database,
                                                       other_tenant: Tenant) -> None:
    settings = api.user("GET", "/v2/porting/settings")["data"]
    assert settings == {"organization_id": api.tenant.organization_id,
                        "confirm_requires_requirements_met": False, "updated_at": None,
                        "record_type": "porting_settings"}
    api.confirm(api.create_order(n(1))["id"])  # off: unmet requirements do not stop it

    on = api.user("PATCH", "/v2/porting/settings",
                  json={"confirm_requires_requirements_met": True})["data"]
    assert on["confirm_requires_requirements_met"] is True and on["updated_at"]
    order_id = api.create_order(n(2))["id"]
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    events_before = api.events()
    refused = api.confirm(order_id, expect=422)["errors"][0]
    assert refused["source"] == {"pointer": "/requirements"}
    assert f"Latest Invoice ({INVOICE})" in refused["detail"]
    assert f"Letter of Authorization ({LOA})" in refused["detail"]
    assert "Account Number" not in refused["detail"]
    assert api.user("GET", f"/v2/porting_orders/{order_id}")["data"]["status"]["value"] == (
        "draft")
    assert api.events() == events_before
    meet_all(api, db, order_id)
    review(api, order_id, ACCOUNT, "rejected", "Wrong")
    assert "rejected Account Number" in api.confirm(order_id, expect=422)["errors"][0]["detail"]
    patch(api, order_id, requirements=[give(ACCOUNT, "5678")])
    assert api.confirm(order_id)["data"]["status"]["value"] == "in-process"

    # The other organization keeps its default; the desk reads and sets anyone's.
    response = api.client.get("/v2/porting/settings", headers=other_tenant.headers)
    assert response.json()["data"]["confirm_requires_requirements_met"] is False
    theirs = f"/v2/operator/organizations/{other_tenant.organization_id}/porting_settings"
    assert api.op("GET", theirs)["data"]["confirm_requires_requirements_met"] is False
    api.op("PATCH", theirs, json={"confirm_requires_requirements_met": True})
    response = api.client.get("/v2/porting/settings", headers=other_tenant.headers)
    assert response.json()["data"]["confirm_requires_requirements_met"] is True
    api.op("GET", "/v2/operator/organizations/nobody/porting_settings", 404)
    api.user("PATCH", "/v2/porting/settings", 422,
             json={"confirm_requires_requirements_met": "maybe"})
    api.user("PATCH", "/v2/porting/settings", 422, json={"colour": "red"})
    off = api.user("PATCH", "/v2/porting/settings",
                   json={"confirm_requires_requirements_met": False})["data"]
    assert off["confirm_requires_requirements_met"] is False


def test_values_belong_to_the_order_organization(api: Api, db: Database) -> None:
    order_id = api.create_order(n(1))["id"]
    patch(api, order_id, requirements=[give(ACCOUNT, "1234")])
    with db.reading() as session:
        [row] = session.execute(select(PortingOrderRequirement)).scalars().all()
        assert row.organization_id == api.tenant.organization_id
