"""Portability checks, the rules table the desk edits, and the UK carriers list, on both
databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from portin.cli.main import cli
from portin.services import portability as portability_service
from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.models import PortabilityRule
from tests.conftest import Api, Tenant

US_LOCAL = "+17203330001"
US_TOLL_FREE = "+18002221111"
GB_LANDLINE = "+442079460000"
DE_LANDLINE = "+4930123456"
RULES = "/v2/operator/portability_rules"
CARRIERS = "/v2/operator/uk_carriers"


def check(api: Api, *numbers: Any, expect: int = 201) -> Any:
    return api.user("POST", "/v2/portability_checks", expect,
                    json={"phone_numbers": list(numbers)})


def verdict(api: Api, number: str) -> tuple[bool, bool, str]:
    result = check(api, number)["data"][0]
    return result["portable"], result["fast_portable"], result["not_portable_reason"]


def rules(api: Api) -> list[dict[str, Any]]:
    return list(api.op("GET", RULES)["data"])


def test_a_check_answers_each_number_from_libphonenumber_and_the_rules(api: Api) -> None:
    body = check(api, US_LOCAL, US_TOLL_FREE, DE_LANDLINE, "+1720333000", "7203330001",
                 US_LOCAL)
    assert body == {"data": [
        {"phone_number": US_LOCAL, "portable": True, "fast_portable": True,
         "not_portable_reason": "", "record_type": "portability_check_result"},
        {"phone_number": US_TOLL_FREE, "portable": True, "fast_portable": False,
         "not_portable_reason": "", "record_type": "portability_check_result"},
        {"phone_number": DE_LANDLINE, "portable": False, "fast_portable": False,
         "not_portable_reason": "Numbers of this country cannot be ported.",
         "record_type": "portability_check_result"},
        {"phone_number": "+1720333000", "portable": False, "fast_portable": False,
         "not_portable_reason": "Not a valid phone number.",
         "record_type": "portability_check_result"},
        {"phone_number": "7203330001", "portable": False, "fast_portable": False,
         "not_portable_reason": "Not a phone number in +E.164 format.",
         "record_type": "portability_check_result"},
        {"phone_number": US_LOCAL, "portable": True, "fast_portable": True,
         "not_portable_reason": "", "record_type": "portability_check_result"},
    ]}


def test_a_check_of_1000_numbers_is_answered_in_order(api: Api) -> None:
    numbers = [f"+1720333{i:04d}" for i in range(1000)]
    data = check(api, *numbers)["data"]
    assert [d["phone_number"] for d in data] == numbers
    assert all(d["fast_portable"] for d in data)


def test_operator_edits_change_the_answers(api: Api) -> None:
    assert verdict(api, DE_LANDLINE) == (False, False, "Numbers of this country cannot be ported.")
    put = api.op("PUT", f"{RULES}/DE/landline",
                 json={"portable": True, "fast_portable": False})["data"]
    assert put["country_code"] == "DE" and put["record_type"] == "portability_rule"
    assert verdict(api, DE_LANDLINE) == (True, False, "")
    # A country-wide rule is less specific than the (DE, landline) rule.
    api.op("PUT", f"{RULES}/DE/*", json={"portable": False, "fast_portable": False,
                                         "not_portable_reason": "Not in Germany."})
    assert verdict(api, DE_LANDLINE) == (True, False, "")
    assert verdict(api, "+4915123456789") == (False, False, "Not in Germany.")
    api.op("DELETE", f"{RULES}/DE/landline")
    assert verdict(api, DE_LANDLINE) == (False, False, "Not in Germany.")
    # Replacing a rule: US local numbers lose FastPort.
    api.op("PUT", f"{RULES}/US/local", json={"portable": True, "fast_portable": False})
    assert verdict(api, US_LOCAL) == (True, False, "")
    # With the catch-all gone, no rule covers Germany's landlines.
    api.op("DELETE", f"{RULES}/DE/*")
    api.op("DELETE", f"{RULES}/*/*")
    assert verdict(api, DE_LANDLINE) == (
        False, False, "No portability rule covers landline numbers of DE.")
    keys = [(r["country_code"], r["phone_number_type"]) for r in rules(api)]
    assert ("*", "*") not in keys and ("US", "local") in keys
    assert keys == sorted(keys)


def test_the_rules_list_is_the_shipped_table_at_first(api: Api) -> None:
    listed = rules(api)
    shipped = portability_service.shipped_rules()
    assert {(r["country_code"], r["phone_number_type"], r["portable"], r["fast_portable"],
             r["not_portable_reason"]) for r in listed} == {
        (s.country_code, s.phone_number_type, s.portable, s.fast_portable,
         s.not_portable_reason) for s in shipped}


def test_a_fresh_sqlite_install_is_seeded_by_its_migration(tmp_path: Path) -> None:
    url = str(tmp_path / "fresh.db")
    migrations.upgrade(url)
    fresh = Database(url)
    with fresh.reading() as session:
        keys = {(row.country_code, row.phone_number_type) for row in session.execute(
            select(PortabilityRule.country_code, PortabilityRule.phone_number_type))}
    fresh.dispose()
    assert keys == {(r.country_code, r.phone_number_type)
                    for r in portability_service.shipped_rules()}


def test_fast_port_eligible_follows_the_rules_table(api: Api, db: Database) -> None:
    def eligible(*numbers: str) -> bool:
        with db.reading() as session:
            return portability_service.fast_port_eligible(session, list(numbers))

    assert eligible(US_LOCAL, "+17203330002")
    assert not eligible(US_LOCAL, US_TOLL_FREE)
    assert not eligible()
    api.op("PUT", f"{RULES}/US/toll_free", json={"portable": True, "fast_portable": True})
    assert eligible(US_LOCAL, US_TOLL_FREE)


BAD_CHECKS: list[Any] = [
    {}, {"phone_numbers": []}, {"phone_numbers": US_LOCAL}, {"phone_numbers": None},
    {"phone_numbers": [1]}, {"phone_numbers": [None]}, {"phone_numbers": [{"n": 1}]},
    {"phone_numbers": [[US_LOCAL]]}, {"phone_numbers": ["+1720333\x000001"]},
    {"phone_numbers": ["+1" * 40]}, {"phone_numbers": [US_LOCAL] * 1001},
    {"phone_numbers": [US_LOCAL], "extra": 1}, [US_LOCAL], "x",
]


@pytest.mark.parametrize("body", BAD_CHECKS)
def test_a_bad_check_is_a_422(api: Api, body: Any) -> None:
    errors = api.user("POST", "/v2/portability_checks", 422, json=body)["errors"]
    assert errors and all(e["code"] == "10015" for e in errors)


def test_a_check_that_is_not_json_is_a_400(api: Api) -> None:
    response = api.client.post("/v2/portability_checks", content=b"{nope", headers={
        **api.tenant.headers, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text


BAD_RULES: list[tuple[str, Any]] = [
    ("XX/local", {"portable": True, "fast_portable": True}),
    ("us/local", {"portable": True, "fast_portable": True}),
    ("US/fixed", {"portable": True, "fast_portable": True}),
    ("US/local", {"portable": False, "fast_portable": False}),
    ("US/local", {"portable": False, "fast_portable": True, "not_portable_reason": "no"}),
    ("US/local", {"portable": True, "fast_portable": True, "not_portable_reason": "why"}),
    ("US/local", {"portable": "yes", "fast_portable": True}),
    ("US/local", {"portable": True}),
    ("US/local", {"portable": True, "fast_portable": True, "extra": 1}),
    ("US/local", {"portable": False, "fast_portable": False,
                  "not_portable_reason": "x\x00"}),
    ("US/local", {"portable": False, "fast_portable": False,
                  "not_portable_reason": "x" * 256}),
    ("US/local", [True]),
]


@pytest.mark.parametrize(("key", "body"), BAD_RULES)
def test_a_bad_rule_is_a_422_and_changes_nothing(api: Api, key: str, body: Any) -> None:
    before = rules(api)
    api.op("PUT", f"{RULES}/{key}", 422, json=body)
    assert rules(api) == before
    assert verdict(api, US_LOCAL) == (True, True, "")


def test_deleting_a_rule_that_is_not_there_is_a_404(api: Api) -> None:
    before = rules(api)
    api.op("DELETE", f"{RULES}/FR/mobile", 404)
    api.op("DELETE", f"{RULES}/{'X' * 300}/mobile", 404)
    assert rules(api) == before


def test_uk_carriers_start_empty_and_are_upserted_by_cupid(api: Api,
                                                         other_tenant: Tenant) -> None:
    assert api.user("GET", "/v2/porting/uk_carriers") == {"data": []}
    first = api.op("POST", CARRIERS, json={"name": "Zeta Telecom", "cupid": "895",
                                           "alternative_cupids": ["895", "896"]})["data"]
    assert first["name"] == "Zeta Telecom" and first["record_type"] == "porting_uk_carrier"
    assert first["created_at"] == first["updated_at"]
    api.op("POST", CARRIERS, json={"name": "Alpha Networks", "cupid": "001"})
    again = api.op("POST", CARRIERS, json={"name": "Zeta Telecom Ltd", "cupid": "895",
                                           "alternative_cupids": ["897"]})["data"]
    assert again["id"] == first["id"] and again["created_at"] == first["created_at"]
    assert again["updated_at"] >= first["updated_at"]
    listed = api.user("GET", "/v2/porting/uk_carriers")["data"]
    assert [(c["name"], c["cupid"], c["alternative_cupids"]) for c in listed] == [
        ("Alpha Networks", "001", []), ("Zeta Telecom Ltd", "895", ["897"])]
    assert set(listed[0]) == {"id", "name", "cupid", "alternative_cupids", "created_at",
                              "updated_at", "record_type"}
    # Shared reference data: every organization sees the same list, as does the desk.
    other = api.client.get("/v2/porting/uk_carriers", headers=other_tenant.headers).json()
    assert other["data"] == listed
    assert api.op("GET", CARRIERS)["data"] == listed
    gone = api.op("DELETE", f"{CARRIERS}/{first['id']}")["data"]
    assert gone["cupid"] == "895"
    assert [c["cupid"] for c in api.user("GET", "/v2/porting/uk_carriers")["data"]] == ["001"]
    api.op("DELETE", f"{CARRIERS}/{first['id']}", 404)


BAD_CARRIERS: list[Any] = [
    {}, {"name": "A"}, {"cupid": "123"}, {"name": "", "cupid": "123"},
    {"name": "   ", "cupid": "123"}, {"name": "A", "cupid": "12"},
    {"name": "A", "cupid": "1234"}, {"name": "A", "cupid": "abc"},
    {"name": "A", "cupid": 123}, {"name": "A\x00", "cupid": "123"},
    {"name": "A", "cupid": "123", "alternative_cupids": "124"},
    {"name": "A", "cupid": "123", "alternative_cupids": ["12"]},
    {"name": "A", "cupid": "123", "alternative_cupids": ["124", "124"]},
    {"name": "A", "cupid": "123", "alternative_cupids": [124]},
    {"name": "A", "cupid": "123", "extra": True}, {"name": "x" * 256, "cupid": "123"},
]


@pytest.mark.parametrize("body", BAD_CARRIERS)
def test_a_bad_carrier_is_a_422_and_changes_nothing(api: Api, body: Any) -> None:
    api.op("POST", CARRIERS, json={"name": "Kept", "cupid": "123"})
    before = api.op("GET", CARRIERS)["data"]
    api.op("POST", CARRIERS, 422, json=body)
    assert api.op("GET", CARRIERS)["data"] == before


OPERATOR_ROUTES = [("GET", RULES), ("PUT", f"{RULES}/US/local"), ("DELETE", f"{RULES}/*/*"),
                   ("GET", CARRIERS), ("POST", CARRIERS), ("DELETE", f"{CARRIERS}/x")]


@pytest.mark.parametrize(("method", "path"), OPERATOR_ROUTES)
def test_operator_routes_refuse_user_keys(api: Api, method: str, path: str) -> None:
    body = {"portable": True, "fast_portable": True} if method == "PUT" else {
        "name": "A", "cupid": "123"}
    api.user(method, path, 403, json=body if method in ("PUT", "POST") else None)
    assert api.client.request(method, path).status_code == 401
    assert len(rules(api)) == len(portability_service.shipped_rules())
    assert api.op("GET", CARRIERS)["data"] == []


def test_user_routes_refuse_operator_keys(api: Api) -> None:
    api.op("POST", "/v2/portability_checks", 403, json={"phone_numbers": [US_LOCAL]})
    api.op("GET", "/v2/porting/uk_carriers", 403)
    assert api.client.get("/v2/porting/uk_carriers").status_code == 401


# -- `portin carriers load` -------------------------------------------------------------
def load(database_url: str, path: Path) -> Any:
    return CliRunner().invoke(cli, ["carriers", "load", str(path),
                                    "--database-url", database_url])


def carriers_now(client: TestClient, tenant: Tenant) -> list[tuple[str, str, list[str]]]:
    data = client.get("/v2/porting/uk_carriers", headers=tenant.headers).json()["data"]
    return [(c["name"], c["cupid"], c["alternative_cupids"]) for c in data]


def test_the_cli_loads_a_csv_and_reloading_updates(client: TestClient, tenant: Tenant,
                                                   database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "carriers.csv"
    path.write_text("name,cupid,alternative_cupids\nBeta,002,003;004\nAlpha,001,\n")
    result = load(database_url, path)
    assert result.exit_code == 0, result.output
    assert "loaded 2 UK carriers (2 new, 0 updated)" in result.output
    assert carriers_now(client, tenant) == [("Alpha", "001", []),
                                            ("Beta", "002", ["003", "004"])]
    path.write_text("name,cupid,alternative_cupids\nBeta Two,002,\nGamma,005,006\n")
    result = load(database_url, path)
    assert "loaded 2 UK carriers (1 new, 1 updated)" in result.output
    assert carriers_now(client, tenant) == [("Alpha", "001", []), ("Beta Two", "002", []),
                                            ("Gamma", "005", ["006"])]


@pytest.mark.parametrize(("text", "message"), [
    ("name,cupid,alternative_cupids\nGood,001,\nBad,01,\n", "line 3: '01' is not a CUPID"),
    ("name,cupid\nGood,001\n", "line 1: the header must be"),
    ("name,cupid,alternative_cupids\nGood,001,\nAgain,001,\n", "already on line 2"),
])
def test_the_cli_refuses_a_bad_file_and_loads_nothing(client: TestClient, tenant: Tenant,
                                                      database_url: str, tmp_path: Path,
                                                      text: str, message: str) -> None:
    path = tmp_path / "carriers.csv"
    path.write_text(text)
    result = load(database_url, path)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was loaded." in result.output
    assert carriers_now(client, tenant) == []
    path.write_bytes(b"name,cupid,alternative_cupids\n\xff\xfe,001,\n")
    assert "is not UTF-8" in load(database_url, path).output
    assert carriers_now(client, tenant) == []
