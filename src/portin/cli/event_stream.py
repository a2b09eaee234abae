"""Following the event feed's stream (GET /v2/porting/event_feed/stream) as a client, for
`portin listen --stream`: Server-Sent Events read with aiohttp (already a dependency; it has
no SSE parser of its own, so `EventParser` reads the format), resumed with Last-Event-ID after
the connection is lost, so each event is handed over once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

STREAM_PATH = "/v2/porting/event_feed/stream"


@dataclass(frozen=True)
class StreamEvent:
    id: str | None
    event: str
    data: str


class EventParser:
    """The text/event-stream format, a line at a time (the HTML standard's "event stream
    interpretation"): fields `data`, `event`, `id`; comments (pings) and `retry` ignored."""

    def __init__(self) -> None:
        self.last_id: str | None = None
        self._data: list[str] = []
        self._event = ""

    def feed(self, line: str) -> StreamEvent | None:
        """One line without its line ending; an event when a blank line completes one."""
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id" and "\x00" not in value:
            self.last_id = value
        return None

    def _dispatch(self) -> StreamEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return StreamEvent(self.last_id, event or "message", "\n".join(data))


class StreamRefused(Exception):
    """The server answered the stream with an error that another try would not change (a bad
    key, a bad cursor)."""


def stream_url(base_url: str) -> str:
    """The stream's URL from portin's base URL, given with or without the SDK's /v2."""
    return base_url.rstrip("/").removesuffix("/v2") + STREAM_PATH


async def follow(base_url: str, api_key: str, after: str | None,
                 on_event: Callable[[StreamEvent], None], on_lost: Callable[[str], None],
                 stop: asyncio.Event, retry_seconds: float = 1.0,
                 read_timeout: float = 60.0) -> None:
    """Hand each event to `on_event` until `stop`. A lost or ended connection (the server
    restarting, the network) is reported to `on_lost` and made again after `retry_seconds`,
    from the last event handed over. `read_timeout`: the server pings an idle stream (every
    15 s by default), so a longer silence means a dead connection."""
    follower = _Follower(stream_url(base_url), api_key, after, on_event)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=read_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while not stop.is_set():
            reading = asyncio.ensure_future(follower.read(session))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not reading.done():  # stopped while reading
                reading.cancel()
                await asyncio.gather(reading, return_exceptions=True)
                return
            error = reading.exception()
            if isinstance(error, StreamRefused):
                raise error
            if error is not None and not isinstance(error, (aiohttp.ClientError, TimeoutError,
                                                            OSError)):
                raise error
            why = "ended" if error is None else f"was lost ({type(error).__name__})"
            on_lost(f"the stream {why}; reconnecting after event {follower.last_id}")
            try:
                await asyncio.wait_for(stop.wait(), timeout=retry_seconds)
            except TimeoutError:
                pass


class _Follower:
    """One stream followed over several connections: where it is (the last id handed over)."""

    def __init__(self, url: str, api_key: str, after: str | None,
                 on_event: Callable[[StreamEvent], None]) -> None:
        self.url = url
        self.api_key = api_key
        self.last_id = after
        self.on_event = on_event

    async def read(self, session: aiohttp.ClientSession) -> None:
        """One connection, from after `last_id`, until it ends or fails."""
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "text/event-stream"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = self.last_id
        parser = EventParser()
        async with session.get(self.url, headers=headers) as response:
            if response.status != 200:
                body = (await response.text())[:500]
                if 400 <= response.status < 500 and response.status not in (408, 429):
                    raise StreamRefused(f"HTTP {response.status}: {body}")
                raise aiohttp.ClientResponseError(response.request_info, (),
                                                  status=response.status, message=body)
            async for raw in response.content:
                event = parser.feed(raw.decode("utf-8").rstrip("\r\n"))
                if event is not None:
                    self.on_event(event)
                    self.last_id = event.id or self.last_id
