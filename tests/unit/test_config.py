"""Settings that are refused at start rather than failing on the first request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portin.config import Settings

RATE_LIMITS = ("rate_limit_per_key", "rate_limit_failed_auth", "rate_limit_sign_in")


def test_a_rate_limit_the_library_cannot_read_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not a rate limit"):
        Settings(rate_limit_per_key="lots")
    assert Settings(rate_limit_per_key="5/second;100/minute").rate_limit_per_key


@pytest.mark.parametrize("name", RATE_LIMITS)
def test_the_default_rate_limits_are_ones_the_library_reads(name: str) -> None:
    """Settings skip parsing a default (so the CLI need not import `limits`): they must be
    right as written."""
    from limits import parse_many

    default = Settings.model_fields[name].default
    assert parse_many(default)
    assert Settings(**{name: default}) == Settings()
