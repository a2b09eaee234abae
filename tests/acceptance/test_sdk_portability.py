"""Portability checks and UK carriers through the official `telnyx` SDK (strict validation)
against a real `portin serve`, with the desk's data loaded by the installed `portin` command
and the operator API."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
import telnyx

from tests.acceptance.conftest import PORTIN, Server


def test_a_portability_check_through_the_sdk_follows_the_desks_rules(
        sdk: telnyx.Telnyx, desk: httpx.Client) -> None:
    numbers = ["+17203330001", "+18002221111", "+4930123456", "not a number"]
    results = sdk.portability_checks.run(phone_numbers=numbers).data
    assert results is not None
    assert [(r.phone_number, r.portable, r.fast_portable, r.not_portable_reason)
            for r in results] == [
        ("+17203330001", True, True, ""),
        ("+18002221111", True, False, ""),
        ("+4930123456", False, False, "Numbers of this country cannot be ported."),
        ("not a number", False, False, "Not a phone number in +E.164 format."),
    ]
    assert {r.record_type for r in results} == {"portability_check_result"}
    put = desk.put("/portability_rules/DE/landline",
                   json={"portable": True, "fast_portable": False})
    assert put.status_code == 200, put.text
    again = sdk.portability_checks.run(phone_numbers=["+4930123456"]).data
    assert again is not None and again[0].portable and not again[0].fast_portable


def test_a_bad_check_is_a_422_through_the_sdk(sdk: telnyx.Telnyx) -> None:
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.portability_checks.run(phone_numbers=["+17203330001"] * 1001)
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.portability_checks.run()


def test_uk_carriers_loaded_by_the_cli_and_the_desk_are_listed_by_the_sdk(
        server: Server, sdk: telnyx.Telnyx, desk: httpx.Client, tmp_path: Path) -> None:
    listed = sdk.porting.list_uk_carriers().data
    assert listed == []  # portin ships no carrier data
    path = tmp_path / "carriers.csv"
    path.write_text("name,cupid,alternative_cupids\nBeta Networks,002,003;004\n"
                    "Alpha Telecom,001,\n")
    out = server.portin("carriers", "load", str(path))
    assert "loaded 2 UK carriers (2 new, 0 updated)" in out
    added = desk.post("/uk_carriers", json={"name": "Gamma Voice", "cupid": "005",
                                            "alternative_cupids": ["005"]})
    assert added.status_code == 200, added.text
    carriers = sdk.porting.list_uk_carriers().data
    assert carriers is not None
    assert [(c.name, c.cupid, c.alternative_cupids) for c in carriers] == [
        ("Alpha Telecom", "001", []), ("Beta Networks", "002", ["003", "004"]),
        ("Gamma Voice", "005", ["005"])]
    for carrier in carriers:
        assert carrier.id and carrier.record_type == "porting_uk_carrier"
        assert carrier.created_at is not None and carrier.updated_at is not None
        assert carrier.created_at.tzinfo is not None


def test_the_cli_refuses_a_bad_carriers_file_and_loads_nothing(
        server: Server, sdk: telnyx.Telnyx, tmp_path: Path) -> None:
    before = sdk.porting.list_uk_carriers().data
    path = tmp_path / "bad.csv"
    path.write_text("name,cupid,alternative_cupids\nDelta,006,\nBroken,6,\n")
    result = subprocess.run([PORTIN, "carriers", "load", str(path)], env=server.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "line 3: '6' is not a CUPID" in result.stderr
    assert "Nothing was loaded." in result.stderr
    assert sdk.porting.list_uk_carriers().data == before
