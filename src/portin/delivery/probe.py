"""A test event sent to one channel now, while the customer waits: a webhook signed like any
delivery (same sender, same address guard), or a test mail through the same SMTP server.

Nothing is stored: the answer is shown to the person who asked, and the delivery log keeps
real events only. The send has a short timeout of its own so that the page never hangs.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from nacl.signing import SigningKey

from portin.delivery.address_guard import PRIVATE_ADDRESS_REFUSED
from portin.delivery.email import EmailSender, RenderedEmail
from portin.delivery.results import SendResult
from portin.delivery.webhook import WebhookSender, envelope
from portin.domain.ids import new_id
from portin.domain.retry import Outcome
from portin.domain.timefmt import iso, utcnow

EVENT_TYPE = "notification.test"
TIMEOUT_SECONDS = 5.0
MESSAGE = "A test notification from portin: this channel receives your port-in notifications."


@dataclass(frozen=True)
class ProbeChannel:
    id: str
    channel_type_id: str  # "email" or "webhook"
    destination: str


@dataclass(frozen=True)
class ProbeOutcome:
    delivered: bool
    answer: str  # what the other side said, in the customer's words
    event_id: str
    duration_ms: int


def webhook_body(event_id: str, channel: ProbeChannel) -> bytes:
    payload = json.dumps({"test": True, "notification_channel_id": channel.id,
                          "message": MESSAGE}, separators=(",", ":"))
    return envelope(event_id, EVENT_TYPE, iso(utcnow()) or "", payload, 1,
                    channel.destination, 0)


def probe_mail(event_id: str) -> RenderedEmail:
    text = (f"{MESSAGE}\n\nNothing happened to any order; you may delete this mail.\n"
            f"Test event {event_id}\n")
    html = (f"<p>{MESSAGE}</p><p>Nothing happened to any order; you may delete this mail.</p>"
            f"<p>Test event {event_id}</p>")
    return RenderedEmail("portin: test notification", text, html)


async def _webhook(channel: ProbeChannel, body: bytes, key: SigningKey, allow_private: bool,
                   timeout: float) -> SendResult:
    sender = WebhookSender(timeout, allow_private, total_limit=1, per_host_limit=1)
    await sender.start()
    try:
        return await sender.send(channel.destination, body, key)
    finally:
        await sender.close()


async def _email(channel: ProbeChannel, event_id: str, smtp_url: str, email_from: str,
                 timeout: float) -> SendResult:
    """aiosmtplib's timeout is per command; the whole conversation gets one bound too."""
    started = utcnow()
    mailer = EmailSender(smtp_url, email_from, timeout)
    try:
        return await asyncio.wait_for(
            mailer.send(channel.destination, probe_mail(event_id), event_id), timeout * 2)
    except TimeoutError:
        return SendResult(Outcome.RETRY, started, utcnow(), email={"smtp_code": None},
                          error=f"no answer within {timeout * 2:g} s")


def _webhook_answer(result: SendResult, timeout: float) -> str:
    response = (result.http or {}).get("response")
    if response is not None:
        status = int(response["status"])
        said = f"Your endpoint answered HTTP {status} in {result.duration_ms} ms"
        if result.outcome == Outcome.DELIVERED:
            return said + "."
        return said + ": a real notification would count as not delivered."
    error = result.error or "no answer"
    if error.startswith("blocked:"):
        return PRIVATE_ADDRESS_REFUSED
    if error.startswith("timed out"):
        return f"No answer within {timeout:g} s."
    return f"Could not reach your endpoint: {error}"


def _email_answer(result: SendResult) -> str:
    record = result.email or {}
    code, message = record.get("smtp_code"), str(record.get("smtp_message") or "").strip()
    if result.outcome == Outcome.DELIVERED:
        return f"The mail server accepted it: SMTP {code} {message}".strip()
    if code is not None:
        return f"The mail server refused it: SMTP {code} {message}".strip()
    return f"Could not reach the mail server: {result.error or 'no answer'}"


def send(channel: ProbeChannel, key: SigningKey, *, allow_private: bool, smtp_url: str,
         email_from: str, timeout: float = TIMEOUT_SECONDS) -> ProbeOutcome:
    """Send one test event to the channel now and say how it went. Runs its own event loop:
    call it from a worker thread (a sync route), never from a running loop."""
    event_id = new_id()
    if channel.channel_type_id == "webhook":
        result = asyncio.run(_webhook(channel, webhook_body(event_id, channel), key,
                                      allow_private, timeout))
        answer = _webhook_answer(result, timeout)
    else:
        result = asyncio.run(_email(channel, event_id, smtp_url, email_from, timeout))
        answer = _email_answer(result)
    return ProbeOutcome(result.outcome == Outcome.DELIVERED, answer, event_id,
                       result.duration_ms)
