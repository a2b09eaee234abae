"""Property-based fuzzing of every operation in the app's own /openapi.json (schemathesis).

Each operation of the user API (/v2) and the operator API (/v2/operator) gets generated
requests, valid and invalid, through the in-process ASGI app, on SQLite and on PostgreSQL,
authenticated with a real tenant key (or an operator key). Path ids sometimes name seeded
rows (an order with a comment, a profile, a channel, a setting, an event, a delivery), so
handlers past the 404 are reached too. Nothing a client can send may answer 5xx, and every
answer must be what the document says: a documented status, a body of the documented schema,
the documented content type.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import ASGIClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portin.config import Settings
from portin.domain.endpoint_health import destination_id
from portin.domain.timefmt import utcnow
from portin.services import documents
from portin.storage.models import DeliveryDestination
from tests.conftest import Api
from tests.integration.test_loa_api import PDF_FILE, png_bytes
from tests.integration.test_loa_api import body as loa_body

# The checks every response must pass.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance]

# The event feed's Server-Sent Events stream (see `fuzz`).
STREAM_OPERATIONS = ("/v2/porting/event_feed/stream",)
EXAMPLES_PER_OPERATION = 80
# For a quick local run over some operations: PORTIN_FUZZ_ONLY=/delivery_destinations (a part
# of the path). CI runs them all.
ONLY = os.environ.get("PORTIN_FUZZ_ONLY")
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=2000,  # ms per request; PostgreSQL on a shared 2-core machine can be slow
    derandomize=True,  # the same requests on every run, so CI is reproducible
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Rate limits off: the fuzzer sends hundreds of bad keys from one address, and the
    failed-authentication limit would answer 429 to all that follows (test_rate_limits.py
    covers the limits)."""
    return settings.model_copy(update={"rate_limit_enabled": False})


def seed(api: Api) -> dict[str, list[str]]:
    """Real rows for path ids: a draft order with a comment, a confirmed order (so operator
    moves run), a subscription and its deliveries."""
    subscription = api.subscribe("webhook", "https://127.0.0.1:9/hook")
    draft = api.create_order("+13032220001")
    api.user("POST", f"/v2/porting_orders/{draft['id']}/comments", 201,
             json={"body": "Please port soon."})
    confirmed = api.create_order("+13032220002")
    api.confirm(confirmed["id"])
    loa = seed_loa(api, draft["id"])
    return {**loa, "order_id": [draft["id"], confirmed["id"]],
            "event_id": [api.events()[0]["id"]],
            "profile_id": [subscription["profile_id"]],
            "channel_id": [subscription["channel_id"]],
            "setting_id": [subscription["setting_id"]],
            "delivery_id": [api.deliveries()[0]["id"]],
            "destination_id": [seed_destination(api, "https://127.0.0.1:9/hook")]}


def seed_destination(api: Api, url: str) -> str:
    """The health row the worker would make at the subscription's first attempt."""
    organization_id = api.tenant.organization_id
    key = destination_id(organization_id, "webhook", url)
    now = utcnow()
    with api.client.app.state.db.writing() as session:  # type: ignore[attr-defined]
        session.add(DeliveryDestination(
            id=key, organization_id=organization_id, method="webhook", destination=url,
            state="failing", consecutive_failures=1, failing_since=now, last_error="HTTP 503",
            last_failure_at=now, alerted=False, created_at=now, updated_at=now))
    return key


def seed_loa(api: Api, order_id: str) -> dict[str, list[str]]:
    """A LOA configuration with a logo, and an additional document on the draft."""
    with api.client.app.state.db.writing() as session:  # type: ignore[attr-defined]
        logo, csr = (documents.store_document(
            session, api.tenant.organization_id, name, [data], utcnow(), max_bytes=10**6).id
            for name, data in (("logo.png", png_bytes()), ("csr.pdf", PDF_FILE)))
    config = api.user("POST", "/v2/porting/loa_configurations", 201,
                      json=loa_body(logo={"document_id": logo}))["data"]
    attached = api.user("POST", f"/v2/porting_orders/{order_id}/additional_documents", 201,
                        json={"additional_documents": [
                            {"document_id": csr, "document_type": "csr"}]})["data"]
    return {"loa_configuration_id": [config["id"]],
            "additional_document_id": [attached[0]["id"]]}


def case_strategy(operation: Any, rows: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests; for operations on one row, also ones naming real rows."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                  operation.as_strategy(GenerationMode.NEGATIVE)]
    names = [p.name for p in operation.path_parameters]
    if names and all(name in rows for name in names):
        for index in range(max(len(rows[name]) for name in names)):
            real = {name: rows[name][index % len(rows[name])] for name in names}
            strategies += [
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real)]
    return st.one_of(strategies)


def fuzz(cases: st.SearchStrategy[Any], session: ASGIClient, auth: dict[str, str],
         statuses: Counter[int]) -> None:
    @FUZZ_SETTINGS
    @given(case=cases)
    def one_request(case: Any) -> None:
        if case.operation.path in STREAM_OPERATIONS:
            # A stream answers until its client goes: wait=false makes it end once it has sent
            # the events there are, so every generated request gets a whole answer to check.
            case.query = {**(case.query or {}), "wait": "false"}
        response = case.call(session=session, headers=auth)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    one_request()


# With the keys fuzzed too, a quarter of the requests end at authentication (401); with the
# real keys only, every request reaches its handler. Both runs are needed.
@pytest.mark.parametrize("keys_fuzzed", [True, False], ids=["keys-fuzzed", "keys-real"])
def test_no_operation_answers_a_server_error_or_off_its_document(
        api: Api, database_url: str, keys_fuzzed: bool) -> None:
    rows = seed(api)
    app = api.client.app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(with_security_parameters=keys_fuzzed)
    statuses: Counter[int] = Counter()
    operations = 0
    started = time.monotonic()
    with ASGIClient(app) as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith("/v2/") or (
                    ONLY is not None and ONLY not in operation.path):
                continue
            operations += 1
            auth = (api.operator if operation.path.startswith("/v2/operator/")
                    else api.tenant.headers)
            fuzz(case_strategy(operation, rows), session, auth, statuses)
    requests = sum(statuses.values())
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    keys = "fuzzed" if keys_fuzzed else "real"
    print(f"\nfuzz [{backend}, keys {keys}]: {requests} requests over {operations} operations in"  # noqa: T201
          f" {time.monotonic() - started:.1f} s; statuses {dict(sorted(statuses.items()))}")
    assert operations >= (39 if ONLY is None else 1)
    assert not [status for status in statuses if status >= 500]
    assert requests >= operations * EXAMPLES_PER_OPERATION // 2
