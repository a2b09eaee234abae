"""Porting reports on both databases: asked for (pending), listed and retrieved as the SDK
expects, bad params refused with nothing stored, and built by the scheduler's job into a CSV
document (filters applied, orders read in pages, cells safe from spreadsheet formulas)."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from portin.config import Settings
from portin.domain.reports import EXPORT_COLUMNS
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.services import reports as report_service
from portin.storage import documents as document_store
from portin.storage.db import Database
from portin.storage.models import Document, DocumentLink, PortingReport
from portin.worker.scheduler import run_jobs
from tests.conftest import Api, Tenant

REPORTS = "/v2/porting/reports"
NO_FILTERS = {"created_at__gt": None, "created_at__lt": None, "customer_reference__in": None,
              "status__in": None}


def ask(api: Api, filters: dict[str, Any] | None = None, expect: int = 201) -> Any:
    return api.user("POST", REPORTS, expect, json={
        "report_type": "export_porting_orders_csv", "params": {"filters": filters or {}}})


def csv_of(db: Database, tenant: Tenant, document_id: str) -> list[dict[str, str]]:
    with db.reading() as session:
        document = documents.require_document(session, document_id, tenant.organization_id)
        assert document.content_type == "text/csv"
        data = b"".join(documents.content(session, document))
    reader = csv.DictReader(io.StringIO(data.decode()))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


def counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as session:
        return tuple(int(session.execute(select(func.count()).select_from(m)).scalar_one())
                     for m in (PortingReport, Document, DocumentLink))  # type: ignore[return-value]


def test_a_report_is_created_pending_listed_and_retrieved(api: Api) -> None:
    data = ask(api, {"status__in": ["draft"], "created_at__gt": "2026-01-01T00:00:00+02:00"})[
        "data"]
    assert list(data) == ["id", "created_at", "document_id", "params", "record_type",
                          "report_type", "status", "updated_at"]
    assert (data["status"], data["document_id"], data["record_type"]) == (
        "pending", None, "porting_report")
    assert data["params"] == {"filters": {**NO_FILTERS, "status__in": ["draft"],
                                          "created_at__gt": "2025-12-31T22:00:00.000000Z"}}
    assert api.user("GET", f"{REPORTS}/{data['id']}") == {"data": data}
    listed = api.user("GET", REPORTS)
    assert listed["data"] == [data]
    assert listed["meta"] == {"page_number": 1, "page_size": 20, "total_pages": 1,
                              "total_results": 1}
    assert api.user("GET", REPORTS, params={"filter[status]": "completed"})["data"] == []
    assert api.user("GET", REPORTS, params={
        "filter[report_type]": "export_porting_orders_csv", "filter[status]": "pending"}
    )["data"] == [data]


def test_reports_are_paged_newest_first(api: Api) -> None:
    ids = [ask(api)["data"]["id"] for _ in range(3)]
    page = api.user("GET", REPORTS, params={"page[size]": 2, "page[number]": 2})
    assert [r["id"] for r in page["data"]] == ids[:1]
    assert page["meta"]["total_pages"] == 2


@pytest.mark.parametrize("body", [
    {"report_type": "export_porting_orders_pdf", "params": {"filters": {}}},
    {"report_type": "export_porting_orders_csv"},
    {"report_type": "export_porting_orders_csv", "params": {}},
    {"report_type": "export_porting_orders_csv", "params": {"filters": {"status": ["draft"]}}},
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"status__in": ["shipped"]}}},
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"status__in": "draft"}}},
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"created_at__gt": "yesterday"}}},
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"created_at__lt": "2026-01-01T00:00:00"}}},  # no time zone
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"customer_reference__in": ["a\x00b"]}}},
    {"report_type": "export_porting_orders_csv",
     "params": {"filters": {"customer_reference__in": ["x" * 256]}}},
])
def test_bad_params_are_422_and_store_nothing(api: Api, db: Database,
                                              body: dict[str, Any]) -> None:
    before = counts(db)
    response = api.user("POST", REPORTS, 422, json=body)
    assert response["errors"][0]["source"]["pointer"].startswith(("/params", "/report_type"))
    assert counts(db) == before


@pytest.mark.parametrize("params", [{"filter[status]": "done"}, {"filter[report_type]": "x"},
                                    {"page[size]": "0"}])
def test_bad_list_filters_are_refused(api: Api, params: dict[str, str]) -> None:
    response = api.client.get(REPORTS, params=params, headers=api.tenant.headers)
    assert response.status_code in (400, 422)
    assert response.json()["errors"]


def test_another_organizations_report_is_not_found(api: Api, client: TestClient,
                                                   other_tenant: Tenant) -> None:
    report = ask(api)["data"]
    assert client.get(f"{REPORTS}/{report['id']}",
                      headers=other_tenant.headers).status_code == 404
    assert client.get(REPORTS, headers=other_tenant.headers).json()["data"] == []


def test_the_scheduler_builds_the_csv_with_the_filters(
        api: Api, db: Database, tenant: Tenant, other_tenant: Tenant, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_service, "ORDERS_PER_PAGE", 2)  # several pages of orders
    made = [api.create_order(f"+1303222000{i}", reference=ref)
            for i, ref in enumerate(["keep", "=HYPERLINK(\"x\")", "keep", "drop", "keep"])]
    made.append(api.create_order("+13032220008", "+13032220009", reference="-2+3"))
    api.confirm(made[2]["id"])
    api.user("DELETE", f"/v2/porting_orders/{made[4]['id']}", 204)  # deleted: never exported
    everything = ask(api)["data"]
    narrowed = ask(api, {"customer_reference__in": ["keep", "-2+3"], "status__in": ["draft"],
                         "created_at__gt": made[0]["created_at"]})["data"]

    run_jobs(db, settings)

    done = api.user("GET", f"{REPORTS}/{everything['id']}")["data"]
    assert done["status"] == "completed" and done["document_id"]
    rows = csv_of(db, tenant, done["document_id"])
    assert [r["id"] for r in rows] == [o["id"] for i, o in enumerate(made) if i != 4]
    by_id = {r["id"]: r for r in rows}
    injected = by_id[made[1]["id"]]
    assert injected["customer_reference"] == "'=HYPERLINK(\"x\")"
    assert injected["phone_numbers"] == "'+13032220001"
    assert injected["phone_numbers_count"] == "1"
    two = by_id[made[5]["id"]]
    assert (two["customer_reference"], two["phone_numbers"]) == (
        "'-2+3", "'+13032220008;+13032220009")
    submitted = by_id[made[2]["id"]]
    assert submitted["status"] == "in-process" and submitted["support_key"].startswith("sr_")
    assert submitted["created_at"] == made[2]["created_at"]

    filtered = api.user("GET", f"{REPORTS}/{narrowed['id']}")["data"]
    assert [r["id"] for r in csv_of(db, tenant, filtered["document_id"])] == [made[5]["id"]]
    assert filtered["params"] == narrowed["params"]  # the filters come back as sent
    with db.reading() as session:
        [link] = document_store.links_of(session, done["document_id"])
        assert (link.linked_record_type, link.linked_resource_id) == (
            "porting_report", done["id"])
    assert api.client.get(REPORTS, headers=other_tenant.headers).json()["data"] == []


def test_a_report_of_no_orders_is_a_header_only_csv(api: Api, db: Database,
                                                    tenant: Tenant) -> None:
    report = ask(api, {"status__in": ["ported"]})["data"]
    assert report_service.build_pending_reports(db, utcnow()) == 1
    done = api.user("GET", f"{REPORTS}/{report['id']}")["data"]
    assert csv_of(db, tenant, done["document_id"]) == []


def test_each_report_is_built_once_across_workers(api: Api, db: Database) -> None:
    api.create_order("+13032220001")
    ids = [ask(api)["data"]["id"] for _ in range(4)]
    built: list[int] = []
    workers = [threading.Thread(
        target=lambda: built.append(report_service.build_pending_reports(db, utcnow())))
        for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(built) == 4
    assert report_service.build_report(db, ids[0], utcnow()) is False  # already completed
    with db.reading() as session:
        assert session.execute(select(func.count()).select_from(Document)).scalar_one() == 4
        reports = session.execute(select(PortingReport)).scalars().all()
        assert {r.status for r in reports} == {"completed"}
        assert len({r.document_id for r in reports}) == 4
