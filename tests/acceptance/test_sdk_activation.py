"""FOC windows and activation through the official `telnyx` SDK against a real `portin serve`,
every answer validated strictly against the SDK's own types; the desk by plain HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import telnyx

from tests.acceptance.conftest import Server


def move(desk: httpx.Client, order_id: str, value: str) -> dict[str, Any]:
    response = desk.post(f"/porting_orders/{order_id}/status", json={"value": value})
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


_counter = iter(range(1000, 9999))


def fresh_number() -> str:
    return f"+1720555{next(_counter):04d}"


def confirmed_order(sdk: telnyx.Telnyx, desk: httpx.Client) -> str:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    assert order.activation_settings is not None
    assert order.activation_settings.fast_port_eligible is True
    order_id: str = order.id  # type: ignore[assignment]
    sdk.porting_orders.actions.confirm(order_id)
    move(desk, order_id, "submitted")
    move(desk, order_id, "foc-date-confirmed")
    return order_id


def test_allowed_foc_windows_bound_the_requested_foc_date(sdk: telnyx.Telnyx) -> None:
    order = sdk.porting_orders.create(phone_numbers=[fresh_number()]).data[0]  # type: ignore[index]
    order_id: str = order.id  # type: ignore[assignment]
    windows = sdk.porting_orders.retrieve_allowed_foc_windows(order_id)
    assert windows.data and windows.meta is not None
    assert windows.meta.total_pages == 1 and windows.meta.total_results == len(windows.data)
    first = windows.data[0]
    assert first.record_type == "allowed_foc_window"
    assert first.started_at is not None and first.ended_at is not None
    assert first.started_at < first.ended_at
    inside = first.started_at + timedelta(minutes=30)
    updated = sdk.porting_orders.update(order_id,
                                        activation_settings={"foc_datetime_requested": inside})
    assert updated.data is not None and updated.data.activation_settings is not None
    assert updated.data.activation_settings.foc_datetime_requested == inside
    with pytest.raises(telnyx.UnprocessableEntityError) as refused:
        sdk.porting_orders.update(order_id, activation_settings={
            "foc_datetime_requested": first.ended_at + timedelta(hours=3)})
    assert "allowed_foc_windows" in str(refused.value.body)


def test_activate_reschedule_and_complete_through_the_sdk(sdk: telnyx.Telnyx,
                                                          desk: httpx.Client) -> None:
    order_id = confirmed_order(sdk, desk)
    activated = sdk.porting_orders.actions.activate(order_id)
    job = activated.data
    assert job is not None and job.id is not None
    assert job.status == "created" and job.record_type == "porting_activation_job"
    assert job.activation_type in ("on-demand", "scheduled")
    assert job.activation_windows
    with pytest.raises(telnyx.ConflictError):
        sdk.porting_orders.actions.activate(order_id)

    jobs = list(sdk.porting_orders.activation_jobs.list(order_id, page_size=1))
    assert [j.id for j in jobs] == [job.id]
    fetched = sdk.porting_orders.activation_jobs.retrieve(job.id, id=order_id)
    assert fetched.data is not None and fetched.data.id == job.id

    last = job.activation_windows[-1]
    assert last.end_at is not None
    target = last.end_at - timedelta(minutes=10)
    rescheduled = sdk.porting_orders.activation_jobs.update(job.id, id=order_id,
                                                            activate_at=target)
    assert rescheduled.data is not None
    assert rescheduled.data.activate_at == target
    assert rescheduled.data.activation_type == "scheduled"
    with pytest.raises(telnyx.UnprocessableEntityError):
        sdk.porting_orders.activation_jobs.update(
            job.id, id=order_id, activate_at=last.end_at + timedelta(days=40))

    done = desk.post(f"/porting_orders/{order_id}/activation_jobs/{job.id}",
                     json={"status": "completed"})
    assert done.status_code == 200, done.text
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.status is not None and order.status.value == "ported"
    finished = sdk.porting_orders.activation_jobs.retrieve(job.id, id=order_id).data
    assert finished is not None and finished.status == "completed"


def test_a_failed_job_lets_the_user_activate_again(sdk: telnyx.Telnyx,
                                                   desk: httpx.Client) -> None:
    order_id = confirmed_order(sdk, desk)
    first = sdk.porting_orders.actions.activate(order_id).data
    assert first is not None
    failed = desk.post(f"/porting_orders/{order_id}/activation_jobs/{first.id}",
                       json={"status": "failed"})
    assert failed.status_code == 200 and failed.json()["data"]["status"] == "failed"
    second = sdk.porting_orders.actions.activate(order_id).data
    assert second is not None and second.id != first.id
    statuses = {j.id: j.status for j in sdk.porting_orders.activation_jobs.list(order_id)}
    assert statuses == {first.id: "failed", second.id: "created"}
    order = sdk.porting_orders.retrieve(order_id).data
    assert order is not None and order.status is not None
    assert order.status.value == "foc-date-confirmed"


def test_another_organizations_job_is_not_found(server: Server, sdk: telnyx.Telnyx,
                                                desk: httpx.Client) -> None:
    order_id = confirmed_order(sdk, desk)
    job = sdk.porting_orders.actions.activate(order_id).data
    assert job is not None and job.id is not None
    other = server.new_org("activation-other")
    with telnyx.Telnyx(api_key=other["api_key"], base_url=f"{server.base_url}/v2",
                       max_retries=0, _strict_response_validation=True) as stranger:
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting_orders.activation_jobs.retrieve(job.id, id=order_id)
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting_orders.retrieve_allowed_foc_windows(order_id)
        with pytest.raises(telnyx.NotFoundError):
            stranger.porting_orders.actions.activate(order_id)
