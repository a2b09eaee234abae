"""One typed settings object, read from PORTIN_* environment variables (and CLI flags)."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portin.domain.endpoint_health import Rules


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTIN_", extra="ignore")

    # A SQLite file path, a sqlite:/// URL, or a postgresql:// URL.
    database_url: str = "./data/portin.db"
    smtp_url: str = "smtp://127.0.0.1:1025"
    email_from: str = "portin@localhost"
    draft_ttl_seconds: int = Field(default=2_592_000, ge=1)
    # How often the scheduler looks for expired drafts (the contract asks for <= 10 s).
    scheduler_interval_seconds: float = Field(default=5.0, gt=0, le=10)
    allow_private_webhooks: bool = False
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    retry_base_seconds: float = Field(default=5.0, ge=0)
    retry_max_attempts: int = Field(default=12, ge=1)
    retry_window_seconds: float = Field(default=86_400.0, gt=0)
    # How long a worker holds a claimed delivery before another worker may take it over.
    # Longer than any one send can take; 0 means three times the delivery timeout plus 30 s.
    delivery_lease_seconds: float = Field(default=0, ge=0)
    # Delivery worker processes that `portin serve` starts beside the API (0: none; run
    # `portin worker` instead).
    worker_processes: int = Field(default=1, ge=0, le=32)
    worker_concurrency: int = Field(default=64, ge=1, le=1024)
    worker_per_endpoint: int = Field(default=8, ge=1, le=256)
    # How often a worker looks for due deliveries when nothing woke it (another process's
    # commits, retries coming due). A look is one indexed read.
    worker_poll_seconds: float = Field(default=0.05, gt=0, le=10)
    # Endpoint health: a destination failing without a break this long is disabled (its
    # deliveries are paused until it is enabled); the organization is told once it has failed
    # this many attempts in a row.
    endpoint_disable_after_seconds: float = Field(default=5 * 86_400, gt=0)
    endpoint_alert_after_failures: int = Field(default=5, ge=1)
    # Where the portal lives, for links in emails. None: the address `portin serve` listens
    # on (its --host and --port), which serve hands to its worker processes.
    public_base_url: str | None = None
    max_body_bytes: int = 1_048_576
    # The largest document (a LOA, an invoice) a client may upload, in bytes (default 10 MiB).
    # POST /v2/documents alone accepts a body up to what such a file needs as base64 in JSON
    # (4/3 of it, plus room for the other fields): `document_upload_body_bytes`.
    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    # How long a link from GET /v2/documents/{id}/download_link works (default 15 minutes).
    document_link_seconds: int = Field(default=900, ge=1, le=7 * 86_400)
    # Rate limits, in the `limits` library's notation ("100/second;3000/minute"). Each
    # authenticated /v2 request counts against its API key; failed authentications and portal
    # sign-in attempts count against the client's address. Far above what the SDK, the
    # simulator or a normal integrator sends; a key-guessing burst is stopped at once.
    rate_limit_enabled: bool = True
    rate_limit_per_key: str = "200/second;10000/minute"
    rate_limit_failed_auth: str = "10/minute;100/hour"
    rate_limit_sign_in: str = "30/minute;300/hour"
    # memory:// counts per process; redis://HOST:PORT shares the counts between processes.
    rate_limit_storage_url: str = "memory://"
    # Who sends phone number verification codes: "sandbox" (nothing is sent; the porting desk
    # reads the codes) or "package.module:factory" for a carrier's sender (delivery/code_sender).
    verification_code_sender: str = "sandbox"
    # How far ahead a webhook signing key rotation announces its switch, unless the request
    # says otherwise (default 24 hours; domain/signing_keys.py).
    signing_key_announce_seconds: int = Field(default=86_400, ge=3, le=30 * 86_400)
    # The event feed's stream (GET /v2/porting/event_feed/stream): how often an idle stream
    # sends a keep-alive comment, and how often it looks for new events when no commit of
    # this process woke it.
    event_stream_ping_seconds: float = Field(default=15.0, gt=0, le=300)
    event_stream_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    # Retention (services/retention.py): finished deliveries (delivered or failed) and their
    # attempts are deleted this many days after they finished; events are kept for ever
    # unless an event retention is set. The scheduler runs a pass this often (and sooner
    # while a pass ran out of its budget with old rows left).
    delivery_retention_days: int = Field(default=30, ge=1, le=36_500)
    event_retention_days: int | None = Field(default=None, ge=1, le=36_500)
    retention_interval_seconds: float = Field(default=600.0, gt=0, le=86_400)

    @field_validator("event_retention_days", mode="before")
    @classmethod
    def _blank_is_for_ever(cls, value: object) -> object:
        # PORTIN_EVENT_RETENTION_DAYS= (set but empty) means what unset means: keep events.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("PORTIN_DATABASE_URL is empty: give a SQLite path or a"
                             " postgresql:// URL")
        return value.strip()

    @field_validator("verification_code_sender")
    @classmethod
    def _a_sender(cls, value: str) -> str:
        module, _, attribute = value.partition(":")
        if value != "sandbox" and not (module and attribute.isidentifier()):
            raise ValueError(f"{value!r} is neither 'sandbox' nor 'package.module:factory'")
        return value

    @field_validator("rate_limit_per_key", "rate_limit_failed_auth", "rate_limit_sign_in")
    @classmethod
    def _a_rate_limit(cls, value: str, info: ValidationInfo) -> str:
        # A default is known good (tests/unit/test_config.py parses them): only a value that
        # was given is parsed, so a CLI command does not import `limits` (as costly to
        # import as the command's own work).
        if info.field_name is not None and value == cls.model_fields[info.field_name].default:
            return value
        from limits import parse_many
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as '100/second;3000/minute'"
                             ) from None
        return value


def public_base_url(settings: Settings) -> str:
    """Where links in emails point: the setting, or portin's own default address."""
    return settings.public_base_url or "http://127.0.0.1:8080"


# Room in an upload's body beyond the file's base64: the JSON keys, the filename and the
# customer reference (255 characters each at most, escaped), or multipart's headers.
UPLOAD_BODY_OVERHEAD_BYTES = 64 * 1024


def document_upload_body_bytes(settings: Settings) -> int:
    """The body limit of POST /v2/documents: a document of `max_document_bytes` as base64
    (4 characters per 3 bytes), plus the other fields."""
    return 4 * -(-settings.max_document_bytes // 3) + UPLOAD_BODY_OVERHEAD_BYTES


def sqlalchemy_url(database_url: str) -> str:
    """Turn the user's database setting into a SQLAlchemy URL with the drivers portin ships."""
    url = database_url
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+", "sqlite:")):
        return url
    return f"sqlite:///{url}"


def lease_seconds(settings: Settings) -> float:
    return settings.delivery_lease_seconds or settings.delivery_timeout_seconds * 3 + 30


def health_rules(settings: Settings) -> Rules:
    return Rules(disable_after_seconds=settings.endpoint_disable_after_seconds,
                 alert_after_failures=settings.endpoint_alert_after_failures)
