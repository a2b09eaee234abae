"""The schema. One class per table; Alembic migrations are checked against these in tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portin.storage.types import BigIntegerKey, UTCDateTime

UUID_LEN = 36


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Its webhook signing keys are rows of signing_keys.
    created_at: Mapped[datetime]


class ApiKey(Base):
    """A bearer key. Only its SHA-256 is kept; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    # Null for operator keys, which act across organizations.
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "user" or "operator"
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so a person can tell keys apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class PortingOrder(Base):
    __tablename__ = "porting_orders"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(32))
    status_details: Mapped[list[Any]] = mapped_column(default=list)
    customer_reference: Mapped[str | None] = mapped_column(String(255))
    customer_group_reference: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    support_key: Mapped[str | None] = mapped_column(String(16), index=True)
    parent_support_key: Mapped[str | None] = mapped_column(String(16))
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    old_service_provider_ocn: Mapped[str | None] = mapped_column(String(32))
    phone_number_type: Mapped[str] = mapped_column(String(32))
    enable_messaging: Mapped[bool] = mapped_column(Boolean, default=False)
    messaging_capable: Mapped[bool] = mapped_column(Boolean, default=False)
    messaging_port_status: Mapped[str] = mapped_column(String(32), default="not_applicable")
    fast_port_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    foc_datetime_requested: Mapped[datetime | None]
    foc_datetime_actual: Mapped[datetime | None]
    activation_status: Mapped[str | None] = mapped_column(String(32))
    end_user: Mapped[dict[str, Any]]
    misc: Mapped[dict[str, Any] | None]
    documents: Mapped[dict[str, Any]]
    phone_number_configuration: Mapped[dict[str, Any]]
    user_feedback: Mapped[dict[str, Any]]
    # The Requirement Group the user named (opaque: portin has no requirement groups and
    # copies nothing from it; see docs/API.md, "Requirements").
    requirement_group_id: Mapped[str | None] = mapped_column(String(255))
    # Copies of nested values that the list filters search, kept in step by the service layer.
    entity_name: Mapped[str | None] = mapped_column(String(255))
    auth_person_name: Mapped[str | None] = mapped_column(String(255))
    misc_type: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # Optimistic concurrency: a stale write (user and operator at once) fails instead of
    # overwriting, and the draft expiry deletes each draft exactly once across workers.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_orders_org_created", "organization_id", "created_at"),
        Index("ix_orders_org_customer_ref", "organization_id", "customer_reference"),
        Index("ix_orders_status_created", "status", "created_at"),
    )


class PortingPhoneNumber(Base):
    __tablename__ = "porting_phone_numbers"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    phone_number: Mapped[str] = mapped_column(String(16))
    country_code: Mapped[str | None] = mapped_column(String(2))
    phone_number_type: Mapped[str] = mapped_column(String(32))
    activation_status: Mapped[str | None] = mapped_column(String(32))
    portability_status: Mapped[str] = mapped_column(String(16), default="pending")
    # Written once at creation and no longer read: the API computes each number's
    # requirements status from the order's requirements (services/requirements.py).
    requirements_status: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_numbers_org_number", "organization_id", "phone_number"),)


class PortingComment(Base):
    __tablename__ = "porting_comments"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    body: Mapped[str] = mapped_column(Text)
    user_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_comments_order_created", "porting_order_id", "created_at"),)


class PortingEvent(Base):
    """An immutable record of one change. Written in the transaction of the change itself."""

    __tablename__ = "porting_events"

    # Insertion order: ties between events of one transaction (a split) sort by it.
    seq: Mapped[int] = mapped_column(BigIntegerKey, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(String(UUID_LEN))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    # The methods (webhook, email) the event was sent by; filled by the notification fan-out.
    notification_methods: Mapped[list[Any]] = mapped_column(
        default=list, server_default=text("'[]'"))
    created_at: Mapped[datetime]
    # 1, 2, 3 ... within the order, and the event's place in its organization's feed; both
    # given when the event is inserted (storage/event_positions.py).
    sequence: Mapped[int] = mapped_column(BigInteger)
    feed_position: Mapped[int] = mapped_column(BigInteger)

    # Every list is "newest first within one organization", optionally narrowed by order or
    # type and by a created_at range: each index serves one of those shapes, in sort order.
    __table_args__ = (
        Index("ix_events_org_feed", "organization_id", "feed_position", unique=True),
        Index("ix_events_org_created", "organization_id", "created_at", "seq"),
        Index("ix_events_org_order_created",
              "organization_id", "porting_order_id", "created_at", "seq"),
        Index("ix_events_org_type_created", "organization_id", "event_type", "created_at", "seq"),
    )


class NotificationProfile(Base):
    __tablename__ = "notification_profiles"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NotificationChannel(Base):
    __tablename__ = "notification_channels"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    notification_profile_id: Mapped[str] = mapped_column(
        ForeignKey("notification_profiles.id"), index=True)
    channel_type_id: Mapped[str] = mapped_column(String(16))  # "email" or "webhook"
    channel_destination: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # portin: one order's deliveries to this channel go out one at a time, in event order.
    ordered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NotificationSetting(Base):
    """Binds an event condition to a profile and a channel: "send these events there"."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        Index("uq_notification_settings_binding", "notification_profile_id",
              "notification_event_condition_id", "notification_channel_id", unique=True),
    )

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    notification_event_condition_id: Mapped[str] = mapped_column(String(UUID_LEN))
    notification_profile_id: Mapped[str] = mapped_column(ForeignKey("notification_profiles.id"))
    notification_channel_id: Mapped[str] = mapped_column(
        ForeignKey("notification_channels.id"), index=True)
    associated_record_type: Mapped[str] = mapped_column(String(32))
    associated_record_type_value: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # portin: a paused setting sends nothing for new events (its status stays the SDK's).
    paused_at: Mapped[datetime | None]


class Delivery(Base):
    """One event on its way to one destination: the outbox row, written with the event.

    A worker claims it by taking a lease; every send is a DeliveryAttempt. `status` is
    pending until it is delivered or has run out of attempts or time (failed).
    """

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("porting_events.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))  # "webhook" or "email"
    destination: Mapped[str] = mapped_column(String(2048))
    # The channel it came from; null for the order's own webhook_url.
    notification_channel_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    republished: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending, delivered, failed; paused while its destination is disabled.
    status: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A delivery to an ordered channel: its event's order and seq (the place it keeps in
    # line); both null otherwise. A null order_seq is what "not ordered" means to the claim.
    porting_order_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    order_seq: Mapped[int | None] = mapped_column(BigInteger)
    # A failed delivery sent again by a recover: the new delivery's id (recovered once only).
    recovered_by: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (
        # The worker's claim: due pending deliveries, oldest due first. Partial: a delivery
        # leaves it when it is done, so it holds only the work still to do.
        Index("ix_deliveries_pending_due", "next_attempt_at",
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_org_created", "organization_id", "created_at"),
        # Deliveries kept while their destination is disabled, resumed when it is enabled.
        Index("ix_deliveries_paused", "organization_id", "destination",
              sqlite_where=text("status = 'paused'"),
              postgresql_where=text("status = 'paused'")),
        # The claim's check for an ordered delivery: is an earlier one of its order to its
        # channel still pending? Holds only pending ordered deliveries, so it stays tiny.
        Index("ix_deliveries_ordered_pending",
              "porting_order_id", "notification_channel_id", "order_seq",
              sqlite_where=text("status = 'pending' AND order_seq IS NOT NULL"),
              postgresql_where=text("status = 'pending' AND order_seq IS NOT NULL")),
        # The claim's share for new deliveries, first attempts due since they were made
        # (outbox/queries.py): found without walking a backlog of retries.
        Index("ix_deliveries_first_due", "next_attempt_at",
              sqlite_where=text("status = 'pending' AND attempt_count = 0"
                                " AND next_attempt_at = created_at"),
              postgresql_where=text("status = 'pending' AND attempt_count = 0"
                                    " AND next_attempt_at = created_at")),
        # The claim's look past a window taken up by busy destinations (outbox/queries.py):
        # the destinations with pending deliveries, one probe each, and each one's oldest due.
        Index("ix_deliveries_pending_destination", "destination", "next_attempt_at",
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        # Retention's search for old finished deliveries, oldest first (storage/retention.py).
        Index("ix_deliveries_finished", "finished_at", "id",
              sqlite_where=text("status IN ('delivered', 'failed')"),
              postgresql_where=text("status IN ('delivered', 'failed')")),
        # PostgreSQL: monthly partitions by id (a version 7 id's text sorts by time) and a
        # default one (migration 0022, storage/partitions.py), so retention drops a whole old
        # month. Each partition has a fillfactor of 50: room on each page for a row's next
        # version, so a lease (lease_until, leased_by: in no index, keep it so) is a HOT
        # update, which writes no index entry (0021); and a queue's autovacuum settings
        # (0025, storage/partitions.py AUTOVACUUM).
        {"postgresql_partition_by": "RANGE (id)"},
    )


class DeliveryAttempt(Base):
    """One send of a delivery: what was sent, what came back, how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[str] = mapped_column(String(UUID_LEN))
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"))
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # delivered or failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int]
    # Webhook: {"request": {url, headers}, "response": {status, headers, body}}; email: null.
    http: Mapped[dict[str, Any] | None]
    # Email: {"to", "smtp_code", "smtp_message"}; webhook: null.
    email: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    # Which worker sent it (host:pid:...), for operators following a delivery across workers.
    sent_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (
        # The delivery's id first: on PostgreSQL the attempts are partitioned by it, beside
        # their deliveries (a key must hold the partition key), and there an attempt's key
        # to its delivery is declared per pair of partitions (storage/partitions.py).
        PrimaryKeyConstraint("delivery_id", "id"),
        UniqueConstraint("delivery_id", "attempt", name="uq_attempt_once"),
        {"postgresql_partition_by": "RANGE (delivery_id)"},
    )


class User(Base):
    """A person who signs in to the portal; belongs to one organization."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PortalSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is kept."""

    __tablename__ = "portal_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class EventCount(Base):
    """How many events of each type an organization has, kept in step with porting_events in
    the same transaction, so that an event list's total_results need not count a million rows."""

    __tablename__ = "event_counts"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class EventDayCount(Base):
    """event_counts per UTC day of created_at, kept in the same transaction, read only for a
    created_at range's total (its whole days; storage/events.py). A table of its own, so that
    unfiltered totals still sum one row per type, not one per type and day of history."""

    __tablename__ = "event_day_counts"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


# -- documents ----------------------------------------------------------------------------
class Document(Base):
    """A file an organization uploaded (a LOA, an invoice) or portin made (a report's CSV).

    The bytes live in `document_chunks`, so listing documents never reads a file, and a file
    is written and read a chunk at a time.
    """

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    filename: Mapped[str] = mapped_column(String(255))
    # What the content is, found from its first bytes (never from the filename).
    content_type: Mapped[str] = mapped_column(String(127))
    customer_reference: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # pending, verified, denied
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_documents_org_created", "organization_id", "created_at"),
    )


class DocumentChunk(Base):
    """One piece of a document's bytes, in order."""

    __tablename__ = "document_chunks"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentLink(Base):
    """Where a document is used: an order's LOA, a LOA configuration's logo, a report's file.
    A document with links cannot be deleted."""

    __tablename__ = "document_links"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    linked_record_type: Mapped[str] = mapped_column(String(64))
    linked_resource_id: Mapped[str] = mapped_column(String(UUID_LEN))
    # What the link is for on that record ("loa", "invoice", "logo", "additional"...).
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_document_links_resource", "organization_id", "linked_resource_id"),
        UniqueConstraint("document_id", "linked_record_type", "linked_resource_id", "purpose",
                         name="uq_document_link_once"),
    )


# -- LOA configurations and additional documents -----------------------------------------
class LoaConfiguration(Base):
    """An organization's branding for the Letters of Authorization portin draws: the company,
    its address and contact, and a PNG logo (a document, linked with purpose "logo")."""

    __tablename__ = "loa_configurations"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(255))
    company_name: Mapped[str] = mapped_column(String(255))
    street_address: Mapped[str] = mapped_column(String(255))
    extended_address: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(255))
    zip_code: Mapped[str] = mapped_column(String(32))
    country_code: Mapped[str] = mapped_column(String(2))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone_number: Mapped[str] = mapped_column(String(16))
    logo_document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_loa_configurations_org_created", "organization_id", "created_at"),
    )


class PortingAdditionalDocument(Base):
    """A document attached to an order beyond its LOA and invoice (a CSR, another LOA...),
    with the kind the user gave it. The document is linked to the order, purpose
    "additional"."""

    __tablename__ = "porting_additional_documents"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    document_type: Mapped[str] = mapped_column(String(16))  # loa, invoice, csr, other
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_additional_documents_order_created", "porting_order_id", "created_at"),
        UniqueConstraint("porting_order_id", "document_id",
                         name="uq_additional_document_once_per_order"),
    )


# -- number ranges: blocks, extensions, associated numbers, number configurations -------
class PortingPhoneNumberBlock(Base):
    """A range of numbers ported together; its first and last numbers are on the order.
    `start_value`/`end_value` are the digits as integers, for overlap and contains checks."""

    __tablename__ = "porting_phone_number_blocks"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"), index=True)
    start_at: Mapped[str] = mapped_column(String(16))
    end_at: Mapped[str] = mapped_column(String(16))
    start_value: Mapped[int] = mapped_column(BigInteger)
    end_value: Mapped[int] = mapped_column(BigInteger)
    country_code: Mapped[str | None] = mapped_column(String(2))
    phone_number_type: Mapped[str] = mapped_column(String(32))
    activation_ranges: Mapped[list[Any]] = mapped_column(default=list)  # [{start_at, end_at}]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PortingPhoneNumberExtension(Base):
    """Extensions behind one number of the order (a PBX's DDI range)."""

    __tablename__ = "porting_phone_number_extensions"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"), index=True)
    porting_phone_number_id: Mapped[str] = mapped_column(
        ForeignKey("porting_phone_numbers.id"), index=True)
    start_at: Mapped[int] = mapped_column(BigInteger)
    end_at: Mapped[int] = mapped_column(BigInteger)
    activation_ranges: Mapped[list[Any]] = mapped_column(default=list)  # [{start_at, end_at}]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PortingAssociatedPhoneNumber(Base):
    """A partial UK port: numbers on the same account that are not ported, kept with the
    losing carrier or disconnected (`action`)."""

    __tablename__ = "porting_associated_phone_numbers"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # keep or disconnect
    start_at: Mapped[str] = mapped_column(String(16))
    end_at: Mapped[str] = mapped_column(String(16))
    start_value: Mapped[int] = mapped_column(BigInteger)
    end_value: Mapped[int] = mapped_column(BigInteger)
    country_code: Mapped[str | None] = mapped_column(String(2))
    phone_number_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PortingPhoneNumberConfiguration(Base):
    """The user bundle a porting number is to be configured with; one per number."""

    __tablename__ = "porting_phone_number_configurations"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_phone_number_id: Mapped[str] = mapped_column(
        ForeignKey("porting_phone_numbers.id"), unique=True)
    user_bundle_id: Mapped[str] = mapped_column(String(UUID_LEN))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_number_configurations_org_created",
                            "organization_id", "created_at"),)


# -- requirements -------------------------------------------------------------------------
class RequirementType(Base):
    """One thing a port may need from the end user: a document (a LOA, an invoice) or a text
    (an account number). portin's own catalogue, seeded from reference_data and edited by the
    operator."""

    __tablename__ = "requirement_types"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    example: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))  # document or textual
    # min_length, max_length, acceptable_values, acceptable_characters (checked on textual
    # values), time_limit, locality_limit (guidance for the desk's review).
    acceptance_criteria: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CountryRequirement(Base):
    """The catalogue's rule: numbers of this country and type need this requirement type."""

    __tablename__ = "requirements_by_country"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    phone_number_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    requirement_type_id: Mapped[str] = mapped_column(ForeignKey("requirement_types.id"),
                                                     primary_key=True, index=True)
    created_at: Mapped[datetime]


class PortingOrderRequirement(Base):
    """The value an order gives for one requirement type, and the desk's review of it."""

    __tablename__ = "porting_order_requirements"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    requirement_type_id: Mapped[str] = mapped_column(ForeignKey("requirement_types.id"),
                                                     index=True)
    # A document id (document types) or the text itself (textual types).
    field_value: Mapped[str] = mapped_column(Text)
    review_status: Mapped[str | None] = mapped_column(String(16))  # null, approved, rejected
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("porting_order_id", "requirement_type_id",
                         name="uq_order_requirement_once"),
    )


class PortingSettings(Base):
    """An organization's porting settings; no row means every default."""

    __tablename__ = "porting_settings"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    # Confirm refuses an order whose requirements are not met (off: confirm never checks).
    confirm_requires_requirements_met: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


# -- documents API ------------------------------------------------------------------------
class ServerSecret(Base):
    """A secret of this installation, made on first use (the keys that sign download links
    and sharing tokens). Kept in the database so every process and every restart signs
    alike; never logged, never served."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


# -- verification codes and action requirements -----------------------------------------
class PortingVerificationCode(Base):
    """The latest code sent to one number of an order. The code itself is kept only as a
    digest; `sandbox_code` holds it readable for the porting desk when the sender is the
    sandbox (nothing leaves the machine there), and is null with a carrier's sender."""

    __tablename__ = "porting_verification_codes"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    phone_number: Mapped[str] = mapped_column(String(16))
    verification_method: Mapped[str] = mapped_column(String(8))  # sms or call
    code_digest: Mapped[str] = mapped_column(String(64))
    sandbox_code: Mapped[str | None] = mapped_column(String(16))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime]
    # Wrong codes in a row; at the limit the number is locked until locked_until.
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Optimistic concurrency: two guesses at once cannot both read the same count of wrong
    # codes and write it plus one (the loser answers 409 and counts nothing, learns nothing).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("porting_order_id", "phone_number", name="uq_verification_code_number"),
        Index("ix_verification_codes_org_order_created",
              "organization_id", "porting_order_id", "created_at"),
    )


class PortingActionRequirement(Base):
    """Something the port needs done outside portin (an Australian identity check)."""

    __tablename__ = "porting_action_requirements"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    action_type: Mapped[str] = mapped_column(String(64))
    requirement_type_id: Mapped[str] = mapped_column(String(UUID_LEN))
    status: Mapped[str] = mapped_column(String(16))
    action_url: Mapped[str | None] = mapped_column(String(2048))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Who will perform the verification flow (given when the user initiates it).
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_action_requirements_org_order_created",
              "organization_id", "porting_order_id", "created_at"),
    )


# -- FOC windows and activation ---------------------------------------------------------
LIVE_JOB = text("status IN ('created', 'in-process')")


class FocLeadTime(Base):
    """The operator's lead-time table: business days between today and the first FOC day, by
    country and number type ("*" for any); seeded from reference_data/foc_lead_times.json."""

    __tablename__ = "foc_lead_times"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    phone_number_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_business_days: Mapped[int]
    # The zone of this country's numbers that libphonenumber places in several zones.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class FocHoliday(Base):
    """The operator's changes to a country's public holidays: a day closed ("closed") or a
    public holiday worked after all ("open")."""

    __tablename__ = "foc_holidays"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("country_code", "day", name="uq_foc_holiday_day"),)


class ActivationJob(Base):
    """One activation of an order (POST .../actions/activate), finished by the porting desk."""

    __tablename__ = "activation_jobs"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    status: Mapped[str] = mapped_column(String(16))
    activation_type: Mapped[str] = mapped_column(String(16))
    activate_at: Mapped[datetime]
    # [{"start_at": iso, "end_at": iso}, ...], fixed when the job is made.
    activation_windows: Mapped[list[Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_activation_jobs_order_created", "porting_order_id", "created_at"),
        # At most one live job per order, whatever races: the database refuses a second.
        Index("uq_activation_jobs_live", "porting_order_id", unique=True,
              sqlite_where=LIVE_JOB, postgresql_where=LIVE_JOB),
    )


# -- portability and UK carriers: the porting desk's reference data, shared by every
# organization (no organization_id) -------------------------------------------------------
class PortabilityRule(Base):
    """May numbers of a country and type be ported, and FastPorted (domain/portability.py).
    "*" in either key column is a wildcard. Seeded from reference_data/portability_rules.json."""

    __tablename__ = "portability_rules"

    country_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    phone_number_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    portable: Mapped[bool] = mapped_column(Boolean)
    fast_portable: Mapped[bool] = mapped_column(Boolean)
    not_portable_reason: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class UkCarrier(Base):
    """A UK carrier the porting desk has loaded: one per CUPID. portin ships none."""

    __tablename__ = "uk_carriers"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    cupid: Mapped[str] = mapped_column(String(3), unique=True)
    alternative_cupids: Mapped[list[Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# -- sharing and reports -------------------------------------------------------------------


class PortingOrderSharingToken(Base):
    """A token that lets someone without an API key read or update one order's documents.
    The JWT itself is not kept: its `jti` is this row's id, and a token whose row is gone is
    refused."""

    __tablename__ = "porting_order_sharing_tokens"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    porting_order_id: Mapped[str] = mapped_column(ForeignKey("porting_orders.id"))
    permission: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # When the scheduler recorded porting_order.sharing_token_expired (once per token).
    expiry_recorded_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_sharing_tokens_org_order", "organization_id", "porting_order_id"),
        Index("ix_sharing_tokens_expiry_due", "expiry_recorded_at", "expires_at"),
    )


class PortingReport(Base):
    """A report asked for through /v2/porting/reports; the worker builds its file."""

    __tablename__ = "porting_reports"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    report_type: Mapped[str] = mapped_column(String(64))
    # The params as the client sent them, normalised (see services/reports.py).
    params: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending, completed
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_porting_reports_org_created", "organization_id", "created_at"),
        Index("ix_porting_reports_status_created", "status", "created_at"),
    )


# -- endpoint health (portin's addition) ---------------------------------------------------
class DeliveryDestination(Base):
    """The health of one destination (a webhook URL or an email address) of an organization,
    moved on by the worker with each attempt (see domain/endpoint_health.py). The row is made
    at the destination's first attempt; its id is derived from what it names."""

    __tablename__ = "delivery_destinations"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    method: Mapped[str] = mapped_column(String(16))  # "webhook" or "email"
    destination: Mapped[str] = mapped_column(String(2048))
    state: Mapped[str] = mapped_column(String(16))  # healthy, failing, disabled
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_delivery_destinations_org_created", "organization_id", "created_at"),
    )


class DestinationAlert(Base):
    """A message to the organization about a destination's health: failing, disabled or
    recovered. Written with the health change; the scheduler sends it by email."""

    __tablename__ = "destination_alerts"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    destination_id: Mapped[str] = mapped_column(ForeignKey("delivery_destinations.id"))
    kind: Mapped[str] = mapped_column(String(16))  # failing, disabled, recovered
    # The destination's health when the alert was written (what the message says, however
    # the destination has moved on since): reason, last_error, failures, failing_since.
    facts: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Who it went to (addresses), or why it could not go.
    recipients: Mapped[list[Any] | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_destination_alerts_unsent", "created_at",
              sqlite_where=text("sent_at IS NULL"), postgresql_where=text("sent_at IS NULL")),
        Index("ix_destination_alerts_destination", "destination_id", "created_at"),
    )


class SigningKey(Base):
    """One of an organization's Ed25519 webhook signing keys, valid from `valid_from` until
    the next one's (domain/signing_keys.py). `generation` counts them from 1: two rotations
    racing to make the same next key cannot both insert it."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    generation: Mapped[int]
    # The 32-byte seed, base64. A secret: never logged, never served.
    seed: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("organization_id", "generation",
                         name="uq_signing_keys_org_generation"),
        Index("ix_signing_keys_org_valid_from", "organization_id", "valid_from"),
    )


# -- the event feed -----------------------------------------------------------------------
class EventPosition(Base):
    """The last number given in one counter: an organization's feed position (scope
    "organization") or an order's event sequence (scope "order"). Its row stays locked from
    the moment a transaction takes numbers until it commits (storage/event_positions.py)."""

    __tablename__ = "event_positions"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)
