"""Every statement the delivery worker runs, by name: one catalogue, written once for both
databases (`spelling` says what each spells its own way), built once per database.

'pending' is written into the SQL, not bound: only then can the planner see that the partial
index of pending deliveries serves the query.
"""

from __future__ import annotations

from collections.abc import Callable

from portin.outbox.spelling import SPELLINGS, Spelling

# An ordered channel's delivery waits while an earlier one (a lower event seq; on a tie, an
# older delivery id) of its order to its channel is still pending: being sent, or waiting for
# a retry. A delivered or failed one no longer holds it. A delivery to a channel that is not
# ordered has no order_seq, and the check stops there.
_EARLIER = ("SELECT 1 FROM deliveries AS earlier"
            " WHERE earlier.status = 'pending' AND earlier.order_seq IS NOT NULL"
            " AND earlier.porting_order_id = deliveries.porting_order_id"
            " AND earlier.notification_channel_id = deliveries.notification_channel_id"
            " AND earlier.order_seq <= deliveries.order_seq"  # a range in the index
            " AND (earlier.order_seq < deliveries.order_seq OR earlier.id < deliveries.id)")
_DUE = ("status = 'pending' AND next_attempt_at <= :now"
        " AND (lease_until IS NULL OR lease_until < :now)"
        f" AND (order_seq IS NULL OR NOT EXISTS ({_EARLIER}))")


def any_due(s: Spelling) -> str:
    return f"SELECT 1 FROM deliveries WHERE {_DUE} LIMIT 1"


_CLAIMED = "id, organization_id, method, destination, next_attempt_at"


def candidates(s: Spelling) -> str:
    """A claim's window of candidates in two shares, in one statement: the oldest due of all,
    and the oldest due of the new deliveries (`fresh` = 1: first attempts due since they were
    made, not a retry, nor resumed or recovered ones, which are given a later due time).
    Without the second share a new event waits behind the whole backlog of a receiver back
    from an outage: a median of 112 s behind 100,000 due retries (bench/backlog.py). Both
    shares are oldest first, so new events to one destination still go out in order. A row
    may be in both.

    Busy destinations are passed over by the caller, not here: a filter here would make the
    scan walk all of a busy destination's due rows at every claim (93 ms at 100,000 of them,
    bench/busy_destination.py). Each share reads at most its LIMIT; when the window is taken
    up by destinations that can take no more, `oldest_per_destination` looks past it."""
    # The new deliveries' test is written into the SQL, like 'pending', so that the planner
    # sees that their partial index (ix_deliveries_first_due) serves it.
    return (f"WITH fresh AS (SELECT {_CLAIMED} FROM deliveries WHERE {_DUE}"
            " AND attempt_count = 0 AND next_attempt_at = created_at"
            f" ORDER BY next_attempt_at LIMIT :fresh {s.skip_locked}),"
            f" oldest AS (SELECT {_CLAIMED} FROM deliveries WHERE {_DUE}"
            f" ORDER BY next_attempt_at LIMIT :candidates {s.skip_locked})"
            f" SELECT {_CLAIMED}, 1 AS fresh FROM fresh"
            f" UNION ALL SELECT {_CLAIMED}, 0 AS fresh FROM oldest")


# The destinations with pending deliveries, one index probe each (a loose index scan of
# ix_deliveries_pending_destination): as many steps as destinations, however many rows each
# has. Those in :skip are left out.
_PENDING_DESTINATIONS = (
    "WITH RECURSIVE pending_destinations(destination) AS ("
    " SELECT (SELECT destination FROM deliveries WHERE status = 'pending'"
    " ORDER BY destination LIMIT 1)"
    " UNION ALL SELECT (SELECT destination FROM deliveries WHERE status = 'pending'"
    " AND destination > p.destination ORDER BY destination LIMIT 1)"
    " FROM pending_destinations AS p WHERE p.destination IS NOT NULL)")


def _open(s: Spelling, destination: str) -> str:
    """A destination the claim can still take from: there is one, and it is not in :skip."""
    return f"{destination} IS NOT NULL AND {destination} NOT IN ({s.ids('skip')})"


# One destination's oldest due, read from ix_deliveries_pending_destination.
_DUE_TO = (f"SELECT {_CLAIMED} FROM deliveries WHERE destination = {{destination}}"
           f" AND {_DUE} ORDER BY next_attempt_at LIMIT :per_destination")


def pending_destinations(s: Spelling) -> str:
    return (f"{_PENDING_DESTINATIONS} SELECT destination FROM pending_destinations"
            f" WHERE {_open(s, 'destination')}")


def oldest_of_destination(s: Spelling) -> str:
    """Where a statement cannot join LATERAL (SQLite): run once per pending destination."""
    return _DUE_TO.format(destination=":destination")


def oldest_per_destination(s: Spelling) -> str:
    """The claim's second look, when its window was all destinations that can take no more
    (busy, or at their cap in this claim): the oldest due of every other destination, up to
    :per_destination each, oldest first. It costs a probe per pending destination, not a read
    of every due row. Locked as the window is; the whole test of a due delivery is repeated
    outside, where the lock is taken: a row that a claim committed meanwhile has leased, or
    sent and set to retry later, is passed over."""
    per_destination = _DUE_TO.format(destination="p.destination")
    return (f"{_PENDING_DESTINATIONS} SELECT {_CLAIMED}, 0 AS fresh FROM deliveries"
            " WHERE id IN (SELECT due.id FROM pending_destinations AS p"
            f" CROSS JOIN LATERAL ({per_destination}) AS due"
            f" WHERE {_open(s, 'p.destination')}"
            f" ORDER BY due.next_attempt_at LIMIT :candidates) AND {_DUE} {s.skip_locked}")


def lease(s: Spelling) -> str:
    return ("UPDATE deliveries SET lease_until = :lease_until, leased_by = :worker"
            f" WHERE id IN ({s.ids('chosen')})"
            " RETURNING id, organization_id, method, destination, attempt_count, created_at,"
            " event_id")


def lease_reading_events(s: Spelling) -> str:
    """The lease and the leased deliveries' events in one statement (PostgreSQL: a CTE that
    writes); the columns of `lease` and of `events` (the event's created_at as occurred_at)."""
    return ("WITH leased AS (UPDATE deliveries SET lease_until = :lease_until,"
            f" leased_by = :worker WHERE id IN ({s.ids('chosen')})"
            " RETURNING id, organization_id, method, destination, attempt_count, created_at,"
            " event_id)"
            " SELECT leased.id, leased.organization_id, leased.method, leased.destination,"
            " leased.attempt_count, leased.created_at, leased.event_id, e.event_type,"
            f" e.porting_order_id, {s.text('e.payload')} AS payload,"
            " e.created_at AS occurred_at, e.sequence"
            # Each leased delivery's event by its key (LIMIT 1 keeps the planner from turning
            # the LATERAL back into a join). With a plain join, and porting_events never
            # analyzed (a young database, or autovacuum off), the planner hashed the whole
            # table at every claim: 17 ms per claim at 12,887 events, growing with them,
            # against 0.8 ms by key (EXPLAIN ANALYZE, bench/results-delivery-postgresql.txt).
            " FROM leased CROSS JOIN LATERAL (SELECT event_type, porting_order_id, payload,"
            " created_at, sequence FROM porting_events WHERE id = leased.event_id LIMIT 1) AS e")


def events(s: Spelling) -> str:
    return (f"SELECT id, event_type, porting_order_id, {s.text('payload')} AS payload,"
            f" created_at, sequence FROM porting_events WHERE id IN ({s.ids('events')})")


def release(s: Spelling) -> str:
    """The leases this worker holds but is not sending: those of a claim that the database
    committed while the connection failed before it could say so."""
    return ("UPDATE deliveries SET lease_until = NULL, leased_by = NULL"
            f" WHERE status = 'pending' AND leased_by = :worker"
            f" AND id NOT IN ({s.ids('sending')})")


def signing_keys(s: Spelling) -> str:
    """An organization's signing keys from the one current at :now on: it and any announced."""
    return ("SELECT seed, valid_from FROM signing_keys WHERE organization_id = :organization_id"
            " AND valid_from >= coalesce((SELECT max(valid_from) FROM signing_keys"
            " WHERE organization_id = :organization_id AND valid_from <= :now), :now)"
            " ORDER BY valid_from")


def advance(s: Spelling) -> str:
    """Guarded by the lease and the attempt number: a worker that lost its lease (it hung past
    lease_until and another worker took over) changes nothing."""
    return ("UPDATE deliveries SET attempt_count = :attempt, status = :status,"
            " lease_until = NULL, leased_by = NULL, last_error = :error,"
            " finished_at = :finished, started_at = coalesce(started_at, :started),"
            " next_attempt_at = coalesce(:next, next_attempt_at)"
            " WHERE id = :id AND leased_by = :worker AND attempt_count = :previous")


def insert_attempt(s: Spelling) -> str:
    return ("INSERT INTO delivery_attempts (id, delivery_id, attempt, status, started_at,"
            " finished_at, duration_ms, http, email, error, errors, sent_by)"
            " VALUES (:id, :delivery_id, :attempt, :status, :started, :finished, :duration_ms,"
            f" {s.json('http')}, {s.json('email')}, :error, {s.json('errors')}, :worker)")


# -- endpoint health (domain/endpoint_health.py) ------------------------------------------
def disabled(s: Spelling) -> str:
    return ("SELECT id FROM delivery_destinations"
            f" WHERE state = 'disabled' AND id IN ({s.ids('destinations')})")


def pause(s: Spelling) -> str:
    """A due delivery whose destination is disabled is paused at its claim instead of sent:
    kept, out of the queue, until the destination is enabled."""
    return ("UPDATE deliveries SET status = 'paused', lease_until = NULL, leased_by = NULL"
            f" WHERE id IN ({s.ids('paused')}) AND status = 'pending'")


def pause_destination(s: Spelling) -> str:
    """When the worker disables a destination, its deliveries waiting for a retry are paused
    at once (those being sent are paused at their next claim)."""
    return ("UPDATE deliveries SET status = 'paused'"
            " WHERE organization_id = :organization_id AND method = :method"
            " AND destination = :destination AND status = 'pending' AND leased_by IS NULL")


_HEALTH = ("SELECT id, state, consecutive_failures, failing_since, last_error,"
           " last_failure_at, last_success_at, disabled_at, disabled_reason, alerted"
           " FROM delivery_destinations WHERE id IN ({ids}) ORDER BY id")


def health(s: Spelling) -> str:
    """Locked on PostgreSQL (in id order, so two workers never wait on each other in a
    circle): two workers moving one destination's health take turns instead of overwriting
    each other."""
    return f"{_HEALTH.format(ids=s.ids('destinations'))} {s.for_update}"


def peek_health(s: Spelling) -> str:
    """`health` without the locks: enough to see that a batch changes nothing."""
    return _HEALTH.format(ids=s.ids("destinations"))


def save_health(s: Spelling) -> str:
    """Only a person enables a disabled destination: a worker's write never undoes it."""
    return ("INSERT INTO delivery_destinations (id, organization_id, method, destination,"
            " state, consecutive_failures, failing_since, last_error, last_failure_at,"
            " last_success_at, disabled_at, disabled_reason, alerted, created_at, updated_at)"
            " VALUES (:id, :organization_id, :method, :destination, :state,"
            " :consecutive_failures, :failing_since, :last_error, :last_failure_at,"
            " :last_success_at, :disabled_at, :disabled_reason, :alerted, :now, :now)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " consecutive_failures = excluded.consecutive_failures,"
            " failing_since = excluded.failing_since, last_error = excluded.last_error,"
            " last_failure_at = excluded.last_failure_at,"
            " last_success_at = excluded.last_success_at, disabled_at = excluded.disabled_at,"
            " disabled_reason = excluded.disabled_reason, alerted = excluded.alerted,"
            " updated_at = excluded.updated_at"
            " WHERE delivery_destinations.state <> 'disabled'")


def insert_alert(s: Spelling) -> str:
    return ("INSERT INTO destination_alerts (id, organization_id, destination_id, kind,"
            " facts, created_at, attempts) VALUES (:id, :organization_id, :destination_id,"
            f" :kind, {s.json('facts')}, :now, 0)")


CATALOGUE: dict[str, Callable[[Spelling], str]] = {
    builder.__name__: builder for builder in (
        any_due, candidates, pending_destinations, oldest_of_destination,
        oldest_per_destination, lease, lease_reading_events, events, release, signing_keys,
        advance, insert_attempt, disabled, pause, pause_destination, health,
        peek_health, save_health, insert_alert)}

# A statement with a CTE that writes: only where `Spelling.writing_ctes` says the database
# has them (SQLite does not; its statements cost no round trip anyway).
WRITING_CTES = {"lease_reading_events"}
# A statement with a LATERAL join: only where `Spelling.lateral_joins` says so (SQLite runs
# `oldest_of_destination` per destination instead).
LATERAL_JOINS = {"oldest_per_destination"}

# Each statement in each database's spelling (and parameter style), built once.
SQL: dict[str, dict[str, str]] = {
    name: {statement: spelling.parameters(build(spelling))
           for statement, build in CATALOGUE.items()
           if (spelling.writing_ctes or statement not in WRITING_CTES)
           and (spelling.lateral_joins or statement not in LATERAL_JOINS)}
    for name, spelling in SPELLINGS.items()}
