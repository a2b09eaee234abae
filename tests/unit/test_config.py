"""Settings that are refused at start rather than failing on the first request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portin.config import Settings


def test_a_rate_limit_the_library_cannot_read_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not a rate limit"):
        Settings(rate_limit_per_key="lots")
    assert Settings(rate_limit_per_key="5/second;100/minute").rate_limit_per_key
