"""Fixtures of the delivery tests: a real webhook receiver and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.receiver import Receiver
from tests.support.smtp import Inbox, smtp_server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    """The inbox and the `smtp://` URL to send to it."""
    with smtp_server() as server:
        yield server
