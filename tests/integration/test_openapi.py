"""/openapi.json describes the API: typed answers, the real error envelope, bearer security; and
real answers of every /v2 route match the schema their operation documents."""

from __future__ import annotations

import base64
import importlib
import pkgutil
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

import portin.api.routes
from portin.api.app import create_app
from portin.api.responses import ErrorResponse, FeedEvent
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.storage.db import Database
from tests.conftest import Api
from tests.integration.test_loa_api import PDF_FILE, png_bytes
from tests.support.receiver import Receiver
from tests.support.worker import running_worker

ACCOUNT_NUMBER = "5a91687c-c03b-4367-852d-b428bb78e9dd"  # a shipped requirement type
SIGNED_DOWNLOAD = "/v2/documents/{document_id}/signed_download"
FILE_OPERATIONS = ("/v2/documents/{document_id}/download", SIGNED_DOWNLOAD,
                   "/v2/porting_orders/{order_id}/shared_documents/{document_id}/download")
# Server-Sent Events (text/event-stream): each event's data is a FeedEvent's JSON.
STREAM_OPERATIONS = ("/v2/porting/event_feed/stream",)
Answer = tuple[str, httpx.Response]  # ("GET /v2/porting_orders/{order_id}", the response)


def exercise(api: Api, db: Database, settings: Settings, receiver: Receiver) -> list[Answer]:
    """Call every /v2 operation at least once, with data that fills its optional parts."""
    answers: list[Answer] = []

    def call(operation: str, path: str, expect: int, operator: bool = False,
             token: str | None = None, **kwargs: Any) -> Any:
        headers = api.operator if operator else api.tenant.headers
        if token is not None:
            headers = {"Authorization": f"Bearer {token}"}
        response = api.client.request(operation.split()[0], path, headers=headers, **kwargs)
        assert response.status_code == expect, (operation, response.text)
        answers.append((operation, response))
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return response.json() if response.content and is_json else None

    subscription = api.subscribe("webhook", receiver.url("/channel"))
    profile_id, channel_id = subscription["profile_id"], subscription["channel_id"]
    api.subscribe("email", "desk@example.com", profile_id=profile_id)
    api.subscribe("webhook", receiver.behave("/gone", status=410), profile_id=profile_id)

    orders = "/v2/porting_orders"
    order = call("POST /v2/porting_orders", orders, 201,
                 json={"phone_numbers": ["+13032220001", "+13032220002"],
                       "customer_reference": "ref-1"})["data"][0]
    order_id = order["id"]
    one = f"{orders}/{order_id}"
    windows = call("GET /v2/porting_orders/{order_id}/allowed_foc_windows",
                   f"{one}/allowed_foc_windows", 200)["data"]
    call("PATCH /v2/porting_orders/{order_id}", one, 200, json={
        "webhook_url": receiver.url("/order"),
        "end_user": {"admin": {"entity_name": "Acme Ltd", "auth_person_name": "Jo"},
                     "location": {"street_address": "1 Main St", "locality": "Denver",
                                  "postal_code": "80202", "country_code": "US"}},
        "misc": {"type": "partial"}, "messaging": {"enable_messaging": True},
        "user_feedback": {"user_rating": 5},
        "activation_settings": {"foc_datetime_requested": windows[0]["started_at"]},
        "requirements": [{"requirement_type_id": ACCOUNT_NUMBER, "field_value": "1234"}]})
    call("GET /v2/porting_orders/{order_id}/requirements", f"{one}/requirements", 200)
    call("GET /v2/porting_orders/{order_id}", one, 200)
    call("GET /v2/porting_orders/{order_id}", one, 200,
         params={"include_phone_numbers": "false"})
    shared = f"{one}/shared_documents"
    update = call("POST /v2/porting_orders/{order_id}/actions/share", f"{one}/actions/share",
                  201, json={"permissions": "porting_order.document.update"})["data"]["token"]
    loa = call("PUT /v2/porting_orders/{order_id}/shared_documents/{purpose}", f"{shared}/loa",
               200, token=update,
               files={"file": ("loa.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")})["data"]
    read = call("POST /v2/porting_orders/{order_id}/actions/share", f"{one}/actions/share",
                201, json={})["data"]["token"]
    call("GET /v2/porting_orders/{order_id}/shared_documents", shared, 200, token=read)
    call("GET /v2/porting_orders/{order_id}/shared_documents/{document_id}/download",
         f"{shared}/{loa['id']}/download", 200, token=read)
    call("GET /v2/porting_orders/{order_id}/sub_request", f"{one}/sub_request", 200)
    call("POST /v2/porting_orders/{order_id}/actions/confirm", f"{one}/actions/confirm", 200)
    call("GET /v2/porting_orders/{order_id}/sub_request", f"{one}/sub_request", 200)
    report = call("POST /v2/porting/reports", "/v2/porting/reports", 201, json={
        "report_type": "export_porting_orders_csv",
        "params": {"filters": {"status__in": ["in-process"],
                               "customer_reference__in": ["ref-1"],
                               "created_at__gt": "2026-01-01T00:00:00Z",
                               "created_at__lt": "2099-01-01T00:00:00Z"}}})["data"]
    call("GET /v2/porting/reports", "/v2/porting/reports", 200)
    call("GET /v2/porting/reports/{report_id}", f"/v2/porting/reports/{report['id']}", 200)
    call("POST /v2/porting_orders/{order_id}/comments", f"{one}/comments", 201,
         json={"body": "Hello desk"})
    call("GET /v2/porting_orders/{order_id}/comments", f"{one}/comments", 200)
    call("GET /v2/porting_orders", orders, 200)
    call("GET /v2/porting_orders", orders, 200, params={"include_phone_numbers": "false"})
    call("GET /v2/porting_orders/exception_types", f"{orders}/exception_types", 200)

    desk = f"/v2/operator/porting_orders/{order_id}"
    call("GET /v2/operator/porting_orders", "/v2/operator/porting_orders", 200, operator=True)
    call("GET /v2/operator/porting_orders/{order_id}", desk, 200, operator=True)
    call("POST /v2/operator/porting_orders/{order_id}/status", f"{desk}/status", 200,
         operator=True, json={"value": "submitted"})
    call("POST /v2/operator/porting_orders/{order_id}/status", f"{desk}/status", 200,
         operator=True,
         json={"value": "exception", "details": [{"code": "ACCOUNT_NUMBER_MISMATCH"}]})
    call("GET /v2/operator/porting_orders/{order_id}/requirements", f"{desk}/requirements",
         200, operator=True)
    call("POST /v2/operator/porting_orders/{order_id}/requirements/{requirement_type_id}",
         f"{desk}/requirements/{ACCOUNT_NUMBER}", 200, operator=True,
         json={"status": "approved"})
    call("POST /v2/operator/porting_orders/{order_id}/comments", f"{desk}/comments", 201,
         operator=True, json={"body": "Please check the account number."})
    call("POST /v2/operator/porting_orders/{order_id}/messaging", f"{desk}/messaging", 200,
         operator=True, json={"messaging_port_status": "pending"})
    call("POST /v2/operator/porting_orders/{order_id}/split", f"{desk}/split", 201,
         operator=True, json={"phone_numbers": ["+13032220002"]})
    call("POST /v2/porting_orders/{order_id}/actions/cancel", f"{one}/actions/cancel", 200)

    exercise_verification(call)
    exercise_activation(call, api)

    draft = api.create_order("+13032220009", reference=None)
    call("DELETE /v2/porting_orders/{order_id}", f"{orders}/{draft['id']}", 204)
    exercise_number_ranges(api, call)

    call("GET /v2/public_key", "/v2/public_key", 200)
    call("POST /v2/public_key/actions/rotate", "/v2/public_key/actions/rotate", 201,
         json={"announce_seconds": 60})
    call("GET /v2/public_key", "/v2/public_key", 200)  # with the next key and switch_at
    call("GET /v2/porting/settings", "/v2/porting/settings", 200)
    call("PATCH /v2/porting/settings", "/v2/porting/settings", 200,
         json={"confirm_requires_requirements_met": False})
    org_settings = f"/v2/operator/organizations/{api.tenant.organization_id}/porting_settings"
    call("GET /v2/operator/organizations/{organization_id}/porting_settings", org_settings,
         200, operator=True)
    call("PATCH /v2/operator/organizations/{organization_id}/porting_settings", org_settings,
         200, operator=True, json={"confirm_requires_requirements_met": False})
    types = "/v2/operator/requirement_types"
    call("PUT /v2/operator/requirement_types/{type_id}", f"{types}/pac", 200, operator=True,
         json={"name": "PAC", "description": "Porting code", "example": "PAC123456",
               "type": "textual", "acceptance_criteria": {"max_length": 9}})
    call("GET /v2/operator/requirement_types", types, 200, operator=True)
    call("GET /v2/operator/requirement_types/{type_id}", f"{types}/pac", 200, operator=True)
    rules = "/v2/operator/requirements_by_country"
    call("PUT /v2/operator/requirements_by_country/{country_code}/{phone_number_type}",
         f"{rules}/GB/landline", 200, operator=True, json={"requirement_type_ids": ["pac"]})
    call("GET /v2/operator/requirements_by_country", rules, 200, operator=True)
    call("DELETE /v2/operator/requirements_by_country/{country_code}/{phone_number_type}",
         f"{rules}/GB/landline", 204, operator=True)
    call("DELETE /v2/operator/requirement_types/{type_id}", f"{types}/pac", 204, operator=True)
    call("GET /v2/porting_phone_numbers", "/v2/porting_phone_numbers", 200)

    events = call("GET /v2/porting/events", "/v2/porting/events", 200)["data"]
    for event in events:
        call("GET /v2/porting/events/{event_id}", f"/v2/porting/events/{event['id']}", 200)
    # The oldest event that is sent at all (loa_updated is only listed).
    sent = [e for e in events if e["available_notification_methods"]]
    call("POST /v2/porting/events/{event_id}/republish",
         f"/v2/porting/events/{sent[-1]['id']}/republish", 204)
    feed = call("GET /v2/porting/event_feed", "/v2/porting/event_feed", 200,
                params={"limit": 2})
    call("GET /v2/porting/event_feed/stream", "/v2/porting/event_feed/stream", 200,
         params={"after": feed["meta"]["next_cursor"], "wait": "false"})

    profiles = "/v2/notification_profiles"
    call("GET /v2/notification_profiles", profiles, 200)
    spare = call("POST /v2/notification_profiles", profiles, 200, json={"name": "Spare"})
    spare_path = f"{profiles}/{spare['data']['id']}"
    call("GET /v2/notification_profiles/{profile_id}", f"{profiles}/{profile_id}", 200)
    call("PATCH /v2/notification_profiles/{profile_id}", spare_path, 200, json={"name": "S2"})

    channels = "/v2/notification_channels"
    call("GET /v2/notification_channels", channels, 200)
    spare_channel = call("POST /v2/notification_channels", channels, 200, json={
        "channel_type_id": "email", "channel_destination": "spare@example.com",
        "notification_profile_id": spare["data"]["id"]})["data"]
    spare_channel_path = f"{channels}/{spare_channel['id']}"
    call("GET /v2/notification_channels/{channel_id}", f"{channels}/{channel_id}", 200)
    call("PATCH /v2/notification_channels/{channel_id}", spare_channel_path, 200,
         json={"channel_destination": "other@example.com"})

    conditions = call("GET /v2/notification_event_conditions",
                      "/v2/notification_event_conditions", 200)["data"]
    call("GET /v2/notification_events", "/v2/notification_events", 200)
    settings_path = "/v2/notification_settings"
    call("GET /v2/notification_settings", settings_path, 200)
    spare_setting = call("POST /v2/notification_settings", settings_path, 200, json={
        "notification_event_condition_id": conditions[0]["id"],
        "notification_profile_id": spare["data"]["id"],
        "notification_channel_id": spare_channel["id"]})["data"]
    call("GET /v2/notification_settings/{setting_id}",
         f"{settings_path}/{spare_setting['id']}", 200)
    call("POST /v2/notification_settings/{setting_id}/actions/pause",
         f"{settings_path}/{spare_setting['id']}/actions/pause", 200)
    call("POST /v2/notification_settings/{setting_id}/actions/resume",
         f"{settings_path}/{spare_setting['id']}/actions/resume", 200)
    call("DELETE /v2/notification_settings/{setting_id}",
         f"{settings_path}/{spare_setting['id']}", 200)
    call("DELETE /v2/notification_channels/{channel_id}", spare_channel_path, 200)
    call("DELETE /v2/notification_profiles/{profile_id}", spare_path, 200)

    with db.writing() as session:
        logo, csr = (documents.store_document(
            session, api.tenant.organization_id, name, [data], utcnow(), max_bytes=10**6).id
            for name, data in (("logo.png", png_bytes()), ("csr.pdf", PDF_FILE)))
    configs = "/v2/porting/loa_configurations"
    branding = {"name": "Main", "company_name": "Acme Telco", "logo": {"document_id": logo},
                "address": {"street_address": "1 Main St", "extended_address": "Floor 2",
                            "city": "Denver", "state": "CO", "zip_code": "80202",
                            "country_code": "US"},
                "contact": {"email": "loa@acme.example", "phone_number": "+13035550100"}}
    config = call("POST /v2/porting/loa_configurations", configs, 201, json=branding)["data"]
    config_path = f"{configs}/{config['id']}"
    call("GET /v2/porting/loa_configurations", configs, 200)
    call("GET /v2/porting/loa_configurations/{loa_configuration_id}", config_path, 200)
    call("PATCH /v2/porting/loa_configurations/{loa_configuration_id}", config_path, 200,
         json={"name": "Renamed"})
    call("POST /v2/porting/loa_configurations/preview", f"{configs}/preview", 200,
         json=branding)
    call("GET /v2/porting/loa_configurations/{loa_configuration_id}/preview",
         f"{config_path}/preview", 200)
    call("GET /v2/porting_orders/{order_id}/loa_template", f"{one}/loa_template", 200,
         params={"loa_configuration_id": config["id"]})
    extra = f"{one}/additional_documents"
    attached = call("POST /v2/porting_orders/{order_id}/additional_documents", extra, 201,
                    json={"additional_documents": [{"document_id": csr,
                                                    "document_type": "csr"}]})["data"]
    call("GET /v2/porting_orders/{order_id}/additional_documents", extra, 200)
    call("DELETE /v2/porting_orders/{order_id}/additional_documents/{additional_document_id}",
         f"{extra}/{attached[0]['id']}", 204)
    call("DELETE /v2/porting/loa_configurations/{loa_configuration_id}", config_path, 204)

    with running_worker(db, settings):
        deadline = time.monotonic() + 20
        while any(d["status"] == "pending" and d["method"] == "webhook"
                  for d in api.deliveries()) and time.monotonic() < deadline:
            time.sleep(0.05)
    deliveries = call("GET /v2/webhook_deliveries", "/v2/webhook_deliveries", 200,
                      params={"page[size]": 250})["data"]
    for delivery in deliveries[:3] + deliveries[-3:]:
        call("GET /v2/webhook_deliveries/{delivery_id}",
             f"/v2/webhook_deliveries/{delivery['id']}", 200)
    destinations = call("GET /v2/delivery_destinations", "/v2/delivery_destinations", 200,
                        params={"filter[state]": "disabled"})["data"]  # the 410 one
    gone = f"/v2/delivery_destinations/{destinations[0]['id']}"
    call("GET /v2/delivery_destinations/{destination_id}", gone, 200)
    call("POST /v2/delivery_destinations/{destination_id}/actions/enable",
         f"{gone}/actions/enable", 200)
    call("POST /v2/delivery_destinations/{destination_id}/actions/disable",
         f"{gone}/actions/disable", 200)
    recovered = call("POST /v2/webhook_deliveries/actions/recover",
                     "/v2/webhook_deliveries/actions/recover", 202, json={
                         "since": "2000-01-01T00:00:00Z", "until": "2000-01-31T00:00:00Z",
                         "destination": receiver.url("/gone"),
                         "notification_channel_id": channel_id})["data"]
    assert recovered["recovered"] == 0  # nothing failed in 2000

    documents_path = "/v2/documents"
    pdf = base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode()
    document = call("POST /v2/documents", documents_path, 200, json={
        "file": pdf, "filename": "loa.pdf", "customer_reference": "ref-1"})["data"]
    one_document = f"{documents_path}/{document['id']}"
    call("GET /v2/documents", documents_path, 200)
    call("GET /v2/documents/{document_id}", one_document, 200)
    call("PATCH /v2/documents/{document_id}", one_document, 200, json={"filename": "a.pdf"})
    call("GET /v2/documents/{document_id}/download", f"{one_document}/download", 200)
    link = call("GET /v2/documents/{document_id}/download_link",
                f"{one_document}/download_link", 200)["data"]["url"]
    call("GET /v2/documents/{document_id}/signed_download", link.split("portal.test", 1)[-1],
         200)
    draft = api.create_order("+13032220010")
    api.user("PATCH", f"{orders}/{draft['id']}", json={"documents": {"loa": document["id"]}})
    call("GET /v2/document_links", "/v2/document_links", 200)
    api.user("PATCH", f"{orders}/{draft['id']}", json={"documents": {"loa": None}})
    call("DELETE /v2/documents/{document_id}", one_document, 200)
    rules = "/v2/operator/portability_rules"
    rule = "/v2/operator/portability_rules/{country_code}/{phone_number_type}"
    call(f"PUT {rule}", f"{rules}/DE/landline", 200, operator=True,
         json={"portable": False, "fast_portable": False, "not_portable_reason": "Not yet."})
    call(f"GET {rules}", rules, 200, operator=True)
    call("POST /v2/portability_checks", "/v2/portability_checks", 201,
         json={"phone_numbers": ["+13032220001", "+4930123456", "nonsense"]})
    call(f"DELETE {rule}", f"{rules}/DE/landline", 200, operator=True)
    carriers = "/v2/operator/uk_carriers"
    carrier = call(f"POST {carriers}", carriers, 200, operator=True,
                   json={"name": "Carrier", "cupid": "895", "alternative_cupids": ["896"]})
    call(f"GET {carriers}", carriers, 200, operator=True)
    call("GET /v2/porting/uk_carriers", "/v2/porting/uk_carriers", 200)
    call(f"DELETE {carriers}/{{carrier_id}}", f"{carriers}/{carrier['data']['id']}", 200,
         operator=True)
    return answers


def exercise_number_ranges(api: Api, call: Any) -> None:
    """Every route of api/routes/number_ranges.py, on a partial UK draft."""
    order = api.create_order("+442079460000", "+442079460099", reference=None)
    one = f"/v2/porting_orders/{order['id']}"
    desk = f"/v2/operator/porting_orders/{order['id']}"
    api.user("PATCH", one, json={"misc": {"type": "partial"}})
    number_id = order["phone_numbers"][0]["id"]
    base = "/v2/porting_orders/phone_number_configurations"
    call(f"POST {base}", base, 201, json={"phone_number_configurations": [
        {"porting_phone_number_id": number_id,
         "user_bundle_id": "1c2d3e4f-0000-4000-8000-000000000001"}]})
    call(f"GET {base}", base, 200)
    for kind, body in (
            ("phone_number_blocks", {
                "phone_number_range": {"start_at": "+442079460000", "end_at": "+442079460099"},
                "activation_ranges": [{"start_at": "+442079460000",
                                       "end_at": "+442079460009"}]}),
            ("phone_number_extensions", {
                "porting_phone_number_id": number_id,
                "extension_range": {"start_at": 100, "end_at": 199},
                "activation_ranges": [{"start_at": 100, "end_at": 109}]}),
            ("associated_phone_numbers", {
                "action": "keep",
                "phone_number_range": {"start_at": "+442079460500",
                                       "end_at": "+442079460599"}})):
        row_id = {"phone_number_blocks": "block_id", "phone_number_extensions": "extension_id",
                  "associated_phone_numbers": "associated_id"}[kind]
        path = f"/v2/porting_orders/{{order_id}}/{kind}"
        created = call(f"POST {path}", f"{one}/{kind}", 201, json=body)["data"]
        call(f"GET {path}", f"{one}/{kind}", 200)
        call(f"GET /v2/operator/porting_orders/{{order_id}}/{kind}", f"{desk}/{kind}", 200,
             operator=True)
        call(f"DELETE {path}/{{{row_id}}}", f"{one}/{kind}/{created['id']}", 200)


def exercise_verification(call: Any) -> None:
    """Verification codes and action requirements, on an order of Australian mobiles."""
    order = call("POST /v2/porting_orders", "/v2/porting_orders", 201,
                 json={"phone_numbers": ["+61412345678"]})["data"][0]
    one, desk = f"/v2/porting_orders/{order['id']}", f"/v2/operator/porting_orders/{order['id']}"
    call("POST /v2/porting_orders/{order_id}/verification_codes/send",
         f"{one}/verification_codes/send", 204, json={"verification_method": "sms"})
    call("GET /v2/porting_orders/{order_id}/verification_codes", f"{one}/verification_codes",
         200)
    codes = call("GET /v2/operator/porting_orders/{order_id}/verification_codes",
                 f"{desk}/verification_codes", 200, operator=True)["data"]
    call("POST /v2/porting_orders/{order_id}/verification_codes/verify",
         f"{one}/verification_codes/verify", 200, json={"verification_codes": [
             {"phone_number": c["phone_number"], "code": c["code"]} for c in codes]})
    requirement = call("GET /v2/porting_orders/{order_id}/action_requirements",
                       f"{one}/action_requirements", 200)["data"][0]
    call("POST /v2/porting_orders/{order_id}/action_requirements/{requirement_id}/initiate",
         f"{one}/action_requirements/{requirement['id']}/initiate", 200,
         json={"params": {"first_name": "Ada", "last_name": "Lovelace"}})
    call("GET /v2/operator/porting_orders/{order_id}/action_requirements",
         f"{desk}/action_requirements", 200, operator=True)
    call("POST /v2/operator/porting_orders/{order_id}/action_requirements/{requirement_id}",
         f"{desk}/action_requirements/{requirement['id']}", 200, operator=True,
         json={"status": "cancelled", "cancel_reason": "Withdrawn"})


def exercise_activation(call: Callable[..., Any], api: Api) -> None:
    """Activation and the desk's FOC tables, on an order of their own."""
    order_id = api.create_order("+13032220005", reference=None)["id"]
    api.confirm(order_id)
    api.move(order_id, "submitted")
    api.move(order_id, "foc-date-confirmed")
    one = f"/v2/porting_orders/{order_id}"
    job = call("POST /v2/porting_orders/{order_id}/actions/activate",
               f"{one}/actions/activate", 202)["data"]
    call("GET /v2/porting_orders/{order_id}/activation_jobs", f"{one}/activation_jobs", 200)
    job_path = f"{one}/activation_jobs/{job['id']}"
    call("GET /v2/porting_orders/{order_id}/activation_jobs/{job_id}", job_path, 200)
    call("PATCH /v2/porting_orders/{order_id}/activation_jobs/{job_id}", job_path, 200,
         json={"activate_at": job["activation_windows"][-1]["end_at"]})
    call("POST /v2/operator/porting_orders/{order_id}/activation_jobs/{job_id}",
         f"/v2/operator{job_path.removeprefix('/v2')}", 200, operator=True,
         json={"status": "completed"})
    lead_times = "/v2/operator/foc_lead_times"
    call("GET /v2/operator/foc_lead_times", lead_times, 200, operator=True)
    call("PUT /v2/operator/foc_lead_times/{country_code}/{phone_number_type}",
         f"{lead_times}/NZ/*", 200, operator=True,
         json={"lead_business_days": 4, "time_zone": "Pacific/Auckland"})
    call("DELETE /v2/operator/foc_lead_times/{country_code}/{phone_number_type}",
         f"{lead_times}/NZ/*", 204, operator=True)
    holidays = "/v2/operator/foc_holidays"
    holiday = call("POST /v2/operator/foc_holidays", holidays, 201, operator=True, json={
        "country_code": "US", "date": "2031-07-07", "kind": "closed", "name": "Picnic"})
    call("GET /v2/operator/foc_holidays", holidays, 200, operator=True)
    call("DELETE /v2/operator/foc_holidays/{holiday_id}",
         f"{holidays}/{holiday['data']['id']}", 204, operator=True)


# -- the document -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    database = tmp_path_factory.mktemp("openapi") / "portin.db"
    app = create_app(Settings(database_url=str(database)))
    with TestClient(app) as client:
        body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def v2_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        if path.startswith("/v2/"):
            for method, operation in operations.items():
                yield path, method, operation


def declared_routes() -> Iterator[tuple[str, str, APIRoute]]:
    """(METHOD, path, route) of every route of every router in the modules of api/routes."""
    for info in pkgutil.iter_modules(portin.api.routes.__path__):
        module = importlib.import_module(f"portin.api.routes.{info.name}")
        for router in {id(r): r for r in vars(module).values()
                       if isinstance(r, APIRouter)}.values():
            for route in router.routes:
                if isinstance(route, APIRoute) and route.path.startswith("/v2/"):
                    for method in route.methods:
                        yield method, route.path, route


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def test_every_v2_operation_answers_a_typed_object(document: dict[str, Any]) -> None:
    operations = list(v2_operations(document))
    declared = {f"{method} {path}" for method, path, _ in declared_routes()}
    assert {f"{m.upper()} {p}" for p, m, _ in operations} == declared  # every route of api/routes
    for path, method, operation in operations:
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert len(successes) == 1, (method, path, successes)
        status, success = successes.popitem()
        if status == "204":
            assert "content" not in success, (method, path)
            continue
        if path in FILE_OPERATIONS:  # the file's own bytes, of its type
            assert "application/pdf" in success["content"], (method, path)
            continue
        if path in STREAM_OPERATIONS:
            event = success["content"]["text/event-stream"]["schema"]
            assert event["required"] == ["id", "event", "data"], (method, path)
            assert resolve(document, event["properties"]["data"]["contentSchema"])[
                "properties"], (method, path)
            continue
        if "application/pdf" in success["content"]:  # the LOA PDFs
            assert success["content"] == {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}, (method, path)
            continue
        schema = success["content"]["application/json"]["schema"]
        assert "$ref" in schema, (method, path, schema)
        envelope = resolve(document, schema)
        assert envelope["properties"]["data"], (method, path)
        assert envelope["additionalProperties"] is False, (method, path)
        data = envelope["properties"]["data"]
        item = data.get("items", data)
        assert resolve(document, item)["properties"], (method, path)


def test_every_v2_operation_documents_its_errors_in_the_real_envelope(
        document: dict[str, Any]) -> None:
    for path, method, operation in v2_operations(document):
        answers = operation["responses"]
        errors = {int(s) for s in answers if not s.startswith("2")}
        assert {400, 401, 403, 413, 429, 503} <= errors, (method, path)
        if "requestBody" in operation:
            assert 422 in errors, (method, path)
        if "{" in path:
            assert 404 in errors, (method, path)
        if method != "get" and "/porting_orders/{order_id}" in path:
            assert 409 in errors, (method, path)
        for status in errors:
            schema = answers[str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)
    envelope = document["components"]["schemas"]["ErrorResponse"]
    error = resolve(document, envelope["properties"]["errors"]["items"])
    assert list(error["properties"]) == ["code", "title", "detail", "source", "meta"]


def test_fastapi_validation_schemas_are_gone(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(document)


def test_every_v2_operation_needs_the_bearer_key(document: dict[str, Any]) -> None:
    """An API key everywhere, except the shared-documents routes: a sharing token alone."""
    for scheme in ("bearer", "sharing_token"):
        bearer = document["components"]["securitySchemes"][scheme]
        assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    for path, method, operation in v2_operations(document):
        if path == SIGNED_DOWNLOAD:  # the signed link is the permission
            assert operation["security"] == [], (method, path)
            continue
        scheme = "sharing_token" if "/shared_documents" in path else "bearer"
        assert operation["security"] == [{scheme: []}], (method, path)


# -- real answers against the document ---------------------------------------------------
def route_models() -> dict[str, type[BaseModel]]:
    """What each route declares it answers, by "METHOD /path"."""
    models: dict[str, type[BaseModel]] = {}
    for method, path, route in declared_routes():
        if route.response_model is not None:
            models[f"{method} {path}"] = route.response_model
    return models


def test_real_answers_are_what_the_document_says(api: Api, db: Database, settings: Settings,
                                                 receiver: Receiver) -> None:
    document = api.client.get("/openapi.json").json()
    models = route_models()
    answers = exercise(api, db, settings, receiver)
    documented = {f"{method.upper()} {path}" for path, method, _ in v2_operations(document)}
    assert {operation for operation, _ in answers} == documented  # every operation was called
    for operation, response in answers:
        method, path = operation.split()
        answer = document["paths"][path][method.lower()]["responses"][str(response.status_code)]
        if response.status_code == 204:
            assert response.content == b""
            continue
        if path in FILE_OPERATIONS:
            assert response.headers["content-type"] in answer["content"], operation
            continue
        if path in STREAM_OPERATIONS:
            assert response.headers["content-type"].startswith("text/event-stream"), operation
            events = [FeedEvent.model_validate_json(line.removeprefix("data: "))
                      for line in response.text.splitlines() if line.startswith("data: ")]
            assert events, operation
            continue
        if "application/pdf" in answer["content"]:
            assert response.headers["content-type"] == "application/pdf", operation
            assert response.content.startswith(b"%PDF-"), operation
            continue
        model = models[operation]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(model.__name__.replace("[", "_").replace("]", "_")), (operation, ref)
        # Every key is a field (extra="forbid"), every field is there, in the order sent.
        parsed = model.model_validate_json(response.content)
        assert parsed.model_dump_json().encode() == response.content, operation


def test_real_errors_are_the_documented_envelope(client: TestClient, api: Api) -> None:
    order = api.create_order("+13032220001")
    one = f"/v2/porting_orders/{order['id']}"
    user, desk = api.tenant.headers, api.operator
    calls: list[tuple[str, str, dict[str, Any], int]] = [
        ("GET", "/v2/porting_orders", {}, 401),
        ("GET", "/v2/porting_orders", {"headers": desk}, 403),
        ("GET", "/v2/operator/porting_orders", {"headers": user}, 403),
        ("GET", "/v2/porting_orders/00000000-0000-0000-0000-000000000000", {"headers": user}, 404),
        ("PATCH", one, {"headers": user, "json": {"misc": {"type": "half"}}}, 422),
        ("PATCH", one, {"headers": {**user, "content-type": "application/json"},
                        "content": b"{not json"}, 400),
        ("GET", "/v2/porting_orders", {"headers": user, "params": {"page[size]": "x"}}, 400),
        ("POST", "/v2/porting_orders", {"headers": user, "content": b"x" * 2_000_000}, 413),
        # Answered before any route, so on operations without a body or a query too.
        ("GET", "/v2/public_key", {"headers": user, "content": b"x" * 2_000_000}, 413),
        ("DELETE", "/v2/porting_orders/%00", {"headers": user}, 400),
        ("GET", "/v2/porting_orders/exception_types", {"headers": user,
                                                      "params": {"x": "\x00"}}, 400),
    ]
    document = client.get("/openapi.json").json()
    for method, path, kwargs, status in calls:
        response = client.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.text)
        ErrorResponse.model_validate_json(response.content)
        template = path.replace(order["id"], "{order_id}").replace(
            "00000000-0000-0000-0000-000000000000", "{order_id}").replace("%00", "{order_id}")
        assert str(status) in document["paths"][template][method.lower()]["responses"]
