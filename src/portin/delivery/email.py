"""Email notifications: Jinja2 templates rendered to text and HTML, sent with aiosmtplib."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from portin.delivery.results import SendResult
from portin.domain.retry import Outcome
from portin.domain.timefmt import utcnow

TEMPLATES = Path(__file__).parent / "templates"

_text_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False,
                        undefined=StrictUndefined, keep_trailing_newline=True)
_html_env = Environment(loader=FileSystemLoader(TEMPLATES),
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined)


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp://[user:pass@]host[:port][?starttls=true] or smtps://... (TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"PORTIN_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
        query = parse_qs(parts.query)
        start_tls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname or "127.0.0.1",
            port=parts.port or (465 if use_tls else 587 if start_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls, start_tls=start_tls)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(context: dict[str, Any]) -> RenderedEmail:
    """`context` has event_type, order, payload, event, portal_url (see worker.email_context)."""
    name = context["event_type"].split(".", 1)[1]
    subject = _text_env.get_template(f"{name}.subject.txt").render(**context).strip()
    text = _text_env.get_template(f"{name}.txt").render(**context)
    html = _html_env.get_template(f"{name}.html").render(**context)
    return RenderedEmail(" ".join(subject.split()), text, html)


def build_message(sender: str, to: str, email: RenderedEmail, event_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = email.subject
    message["X-Portin-Event-Id"] = event_id
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class EmailSender:
    def __init__(self, smtp_url: str, sender: str, timeout_seconds: float) -> None:
        self.server = SmtpServer.from_url(smtp_url)
        self.sender = sender
        self.timeout_seconds = timeout_seconds

    async def send(self, to: str, email: RenderedEmail, event_id: str) -> SendResult:
        started = utcnow()
        record: dict[str, Any] = {"to": to, "subject": email.subject, "smtp_code": None,
                                  "smtp_message": None}
        try:
            _refused, reply = await aiosmtplib.send(
                build_message(self.sender, to, email, event_id),
                hostname=self.server.hostname, port=self.server.port,
                username=self.server.username, password=self.server.password,
                use_tls=self.server.use_tls, start_tls=self.server.start_tls,
                timeout=self.timeout_seconds)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusal = exc.recipients[0] if exc.recipients else None
            code = refusal.code if refusal else 550
            record.update(smtp_code=code, smtp_message=refusal.message if refusal else str(exc))
            outcome = Outcome.RETRY if 400 <= code < 500 else Outcome.FAIL
            return SendResult(outcome, started, utcnow(), email=record,
                              error=f"SMTP {code}", errors=[code])
        except aiosmtplib.SMTPResponseException as exc:
            record.update(smtp_code=exc.code, smtp_message=exc.message)
            outcome = Outcome.RETRY if 400 <= exc.code < 500 else Outcome.FAIL
            return SendResult(outcome, started, utcnow(), email=record,
                              error=f"SMTP {exc.code}", errors=[exc.code])
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return SendResult(Outcome.RETRY, started, utcnow(), email=record,
                              error=f"{type(exc).__name__}: {exc}"[:500])
        # The DATA command's final reply; a message accepted for delivery is always a 250.
        record.update(smtp_code=250, smtp_message=reply)
        return SendResult(Outcome.DELIVERED, started, utcnow(), email=record)
