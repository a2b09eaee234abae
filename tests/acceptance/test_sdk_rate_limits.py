"""The `telnyx` SDK against a real `portin serve` whose per-key limit is small: a 429 with
Retry-After is a RateLimitError, and the SDK's own retries wait it out and succeed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import telnyx

from tests.acceptance.conftest import Server, running_server


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("limited"),
                        PORTIN_RATE_LIMIT_PER_KEY="2/second") as running:
        yield running


def test_a_limited_key_gets_a_rate_limit_error_without_retries(limited_server: Server) -> None:
    key = limited_server.new_org("sdk-limited")["api_key"]
    with telnyx.Telnyx(api_key=key, base_url=f"{limited_server.base_url}/v2",
                       max_retries=0) as sdk:
        sdk.porting_orders.list()
        sdk.porting_orders.list()
        with pytest.raises(telnyx.RateLimitError) as refused:
            sdk.porting_orders.list()
    assert refused.value.status_code == 429
    assert refused.value.response.headers["retry-after"] == "1"


def test_the_sdk_waits_out_retry_after_and_succeeds(limited_server: Server) -> None:
    key = limited_server.new_org("sdk-retrying")["api_key"]
    with telnyx.Telnyx(api_key=key, base_url=f"{limited_server.base_url}/v2",
                       max_retries=3) as sdk:
        started = time.monotonic()
        for _ in range(5):
            sdk.porting_orders.list()
        assert time.monotonic() - started >= 1  # it waited for the window to move on
