"""`portin signing-key`: show an organization's webhook signing keys, rotate them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import click

from portin.cli.main import DB_HELP, _command_transaction, _settings
from portin.domain import signing_keys as rules
from portin.domain.timefmt import iso, utcnow

if TYPE_CHECKING:  # the services (and SQLAlchemy) are imported when a command runs
    from portin.services.signing_keys import KeyState


@click.group("signing-key")
def signing_key() -> None:
    """An organization's webhook signing keys: show them, rotate them."""


def _shown(state: KeyState) -> dict[str, str | None]:
    upcoming = state.next
    return {"key_id": state.current.id, "public_key": state.current.public_key,
            "valid_from": iso(state.current.valid_from),
            "next_key_id": upcoming.id if upcoming else None,
            "next_public_key": upcoming.public_key if upcoming else None,
            "switch_at": iso(upcoming.valid_from) if upcoming else None}


def _echo(state: KeyState, as_json: bool) -> None:
    shown = _shown(state)
    click.echo(json.dumps(shown) if as_json else
               "\n".join(f"{key}: {value}" for key, value in shown.items()))


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("an ISO 8601 time, such as 2026-12-24T09:00:00Z",
                                 param_hint="--switch-at") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give a time zone (Z or +01:00)", param_hint="--switch-at")
    return parsed


@signing_key.command("show")
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def show(organization_id: str, as_json: bool, database_url: str | None) -> None:
    """The key signing webhooks now and the one announced (public keys only)."""
    from portin.services import signing_keys

    with _command_transaction(database_url) as session:
        state = signing_keys.key_state(session, organization_id, utcnow())
    _echo(state, as_json)


@signing_key.command("rotate")
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--now", "immediately", is_flag=True,
              help=f"Switch at once (in {rules.MIN_NOTICE_SECONDS} s, so every worker knows).")
@click.option("--switch-at", default=None, help="When the new key takes over (ISO 8601).")
@click.option("--announce-seconds", type=int, default=None,
              help="Switch this many seconds from now"
                   " [default: env PORTIN_SIGNING_KEY_ANNOUNCE_SECONDS, 86400].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def rotate(organization_id: str, immediately: bool, switch_at: str | None,
           announce_seconds: int | None, as_json: bool, database_url: str | None) -> None:
    """Make the organization's next key and announce when it takes over. Refused while a
    rotation is announced and not yet switched."""
    from portin.domain.errors import PortinError
    from portin.services import signing_keys

    settings = _settings(database_url)
    now = utcnow()
    try:
        when = rules.switch_time(now, immediately=immediately, switch_at=_aware(switch_at),
                                 announce_seconds=announce_seconds,
                                 default_announce_seconds=settings.signing_key_announce_seconds)
    except PortinError as exc:
        raise click.ClickException(exc.detail) from exc
    with _command_transaction(database_url) as session:
        state = signing_keys.rotate(session, organization_id, now, when)
    _echo(state, as_json)
