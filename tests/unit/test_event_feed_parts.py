"""The event feed's pure parts: cursors, the Server-Sent Events parser of `portin listen
--stream`, the stream's URL, and the line `listen` prints for a stream event."""

from __future__ import annotations

import pytest

from portin.cli.event_stream import EventParser, StreamEvent, stream_url
from portin.cli.listen import summary
from portin.domain import feed_cursors
from portin.domain.errors import InvalidRequest


@pytest.mark.parametrize(("text", "position"), [
    (None, 0), ("", 0), ("0", 0), ("7", 7), ("000123", 123), ("9" * 18, 10**18 - 1)])
def test_a_cursor_is_a_feed_position_in_digits(text: str | None, position: int) -> None:
    assert feed_cursors.parse(text, "after") == position
    assert feed_cursors.parse(feed_cursors.format_cursor(position), "after") == position


@pytest.mark.parametrize("text", ["-1", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "abc",
                                  "1" * 19, "\u0661", "\uff11"])
def test_anything_else_is_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        feed_cursors.parse(text, "Last-Event-ID")
    assert caught.value.parameter == "Last-Event-ID"
    assert caught.value.status_code == 422


def feed(parser: EventParser, text: str) -> list[StreamEvent]:
    events = [parser.feed(line) for line in text.split("\n")]
    return [e for e in events if e is not None]


def test_the_parser_reads_events_ids_and_skips_pings() -> None:
    parser = EventParser()
    text = (": ping - 2026-12-02 06:00:00\n\n"
            "id: 1\nevent: porting_event\ndata: {\"a\":1}\n\n"
            "id: 2\ndata:line one\ndata: line two\n\n"
            "retry: 500\n\n"
            "id\n\n")
    assert feed(parser, text) == [StreamEvent("1", "porting_event", '{"a":1}'),
                                  StreamEvent("2", "message", "line one\nline two")]
    # "id" with no value resets the last id, as the standard says.
    assert parser.last_id == ""


def test_an_event_without_data_is_not_dispatched_but_its_id_counts() -> None:
    parser = EventParser()
    assert feed(parser, "id: 9\nevent: porting_event\n\n") == []
    assert parser.last_id == "9"
    assert feed(parser, "data: x\n\n") == [StreamEvent("9", "message", "x")]


def test_an_id_with_a_nul_is_ignored() -> None:
    parser = EventParser()
    assert feed(parser, "id: 3\n\nid: 4\x00\ndata: y\n\n") == [
        StreamEvent("3", "message", "y")]


@pytest.mark.parametrize("base", ["http://h:8080", "http://h:8080/", "http://h:8080/v2",
                                  "http://h:8080/v2/"])
def test_the_stream_url_takes_the_base_with_or_without_v2(base: str) -> None:
    assert stream_url(base) == "http://h:8080/v2/porting/event_feed/stream"


def test_a_stream_event_is_printed_with_its_sequence_and_cursor() -> None:
    item = {"id": "e-1", "event_type": "porting_order.status_changed",
            "payload": {"id": "o-1", "status": {"value": "in-process", "details": []}},
            "occurred_at": "2026-12-02T06:00:00.000000Z", "sequence": 2, "cursor": "17"}
    assert summary(item) == ("2026-12-02T06:00:00.000000Z porting_order.status_changed"
                             " order=o-1 -> in-process (event e-1, sequence 2, cursor 17)")
    webhook = {"data": {k: v for k, v in item.items() if k not in ("sequence", "cursor")},
               "meta": {"attempt": 1, "delivered_to": "x", "sequence": 2}}
    assert summary(webhook).endswith("(event e-1, attempt 1)")
