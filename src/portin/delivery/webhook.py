"""Sending one signed webhook with aiohttp: the body of the contract, exactly the bytes signed."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from nacl.signing import SigningKey

from portin.delivery.address_guard import BlockedAddress, GuardedResolver, check_send_url
from portin.delivery.results import BODY_LIMIT, SendResult, capped_headers
from portin.delivery.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from portin.domain.retry import Outcome, classify, parse_retry_after
from portin.domain.timefmt import utcnow

USER_AGENT = "portin-webhooks/1"


def envelope(event_id: str, event_type: str, occurred_at: str, payload_json: str,
             attempt: int, delivered_to: str, sequence: int) -> bytes:
    """The contract's body, compact, in the order of its fields. The payload is spliced in as
    stored (compact JSON, see `storage.db`), so it is not decoded and encoded again for every
    attempt; the strings around it are JSON strings as `json.dumps` writes them. `sequence`
    (portin's addition to meta) is the event's place in its order's history."""
    return (f'{{"data":{{"event_type":{_string(event_type)},"id":{_string(event_id)},'
            f'"occurred_at":{_string(occurred_at)},"payload":{payload_json},'
            f'"record_type":"event"}},"meta":{{"attempt":{int(attempt)},'
            f'"delivered_to":{_string(delivered_to)},"sequence":{int(sequence)}}}}}').encode()


# json's own string encoder (C), as json.dumps uses it with ensure_ascii=False.
_string = json.encoder.encode_basestring


class WebhookSender:
    """One connection pool for every webhook this process sends (connections are reused)."""

    def __init__(self, timeout_seconds: float, allow_private: bool, total_limit: int,
                 per_host_limit: int) -> None:
        self.timeout_seconds = timeout_seconds
        self.allow_private = allow_private
        self._limits = (total_limit, per_host_limit)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        total, per_host = self._limits
        resolver = None if self.allow_private else GuardedResolver()
        connector = aiohttp.TCPConnector(limit=total, limit_per_host=per_host,
                                         resolver=resolver, ttl_dns_cache=10)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, url: str, body: bytes, signing_key: SigningKey) -> SendResult:
        assert self._session is not None, "start() first"
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(signing_key, timestamp, body)}
        request = {"url": url, "headers": capped_headers(list(headers.items()))}
        started = utcnow()
        try:
            check_send_url(url, self.allow_private)
            async with self._session.post(url, data=body, headers=headers,
                                          allow_redirects=False) as response:
                raw = await response.content.read(BODY_LIMIT)
                finished = utcnow()
                status = response.status
                http = {"request": request, "response": {
                    "status": status,
                    "headers": capped_headers(list(response.headers.items())),
                    "body": raw.decode("utf-8", errors="replace")}}
                outcome = classify(status)
                retry_after = (parse_retry_after(response.headers.get("Retry-After"), finished)
                               if status == 429 else None)
                error = None if outcome == Outcome.DELIVERED else f"HTTP {status}"
                return SendResult(outcome, started, finished, http=http, error=error,
                                  errors=[] if error is None else [status],
                                  retry_after=retry_after)
        except BlockedAddress as exc:
            # Not a passing fault: the destination is not allowed at all.
            return SendResult(Outcome.FAIL, started, utcnow(),
                              http={"request": request, "response": None},
                              error=f"blocked: {exc}")
        except TimeoutError:
            return SendResult(Outcome.RETRY, started, utcnow(),
                              http={"request": request, "response": None},
                              error=f"timed out after {self.timeout_seconds:g} s")
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            if _blocked(exc):
                return SendResult(Outcome.FAIL, started, utcnow(),
                                  http={"request": request, "response": None},
                                  error=f"blocked: {exc}")
            return SendResult(Outcome.RETRY, started, utcnow(),
                              http={"request": request, "response": None},
                              error=f"{type(exc).__name__}: {exc}"[:500])


def _blocked(exc: BaseException) -> bool:
    """aiohttp wraps the resolver's refusal in its own connection error; look inside."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress) or isinstance(
                getattr(seen, "os_error", None), BlockedAddress):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
