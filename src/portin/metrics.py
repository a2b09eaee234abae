"""Prometheus metrics of this process, served at /metrics. Counts only: no tenant's data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_WRITTEN = Counter("portin_events_written_total", "Porting events written.",
                         ["event_type"])
DELIVERY_ATTEMPTS = Counter("portin_delivery_attempts_total",
                            "Delivery attempts sent, by method and outcome.",
                            ["method", "outcome"])
DELIVERY_SECONDS = Histogram("portin_delivery_attempt_seconds",
                             "How long one delivery attempt took.", ["method"],
                             buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
DELIVERIES_CLAIMED = Counter("portin_deliveries_claimed_total",
                             "Deliveries claimed by this process's worker.")

# -- the event feed -----------------------------------------------------------------------
EVENT_STREAMS_OPEN = Gauge("portin_event_streams_open",
                           "Event feed streams (Server-Sent Events) open in this process.")
PORTAL_STREAMS_OPEN = Gauge("portin_portal_streams_open",
                            "Portal live streams (GET /live) open in this process.")
