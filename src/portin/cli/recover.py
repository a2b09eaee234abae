"""`portin recover`: an organization's failed deliveries of a time range sent again (the
admin's side of POST /v2/webhook_deliveries/actions/recover)."""

from __future__ import annotations

import json
from datetime import datetime

import click

DB_HELP = "SQLite path or postgresql:// URL [env PORTIN_DATABASE_URL]"


class _Moment(click.ParamType[datetime]):
    """An ISO 8601 date-time with a time zone (2026-12-01T10:00:00Z)."""

    name = "datetime"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time", param, ctx)
        if moment.tzinfo is None:
            self.fail(f"{value!r} needs a time zone (such as Z)", param, ctx)
        return moment


@click.command()
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--since", required=True, type=_Moment(),
              help="Failed deliveries made at or after this time (with a zone).")
@click.option("--until", required=True, type=_Moment(),
              help="... and at or before this one (at most 31 days after --since).")
@click.option("--destination", default=None, help="Only those to this exact URL or address.")
@click.option("--all", "every_share", is_flag=True,
              help="Repeat until none is left (one pass takes at most 1000).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def recover(organization_id: str, since: datetime, until: datetime, destination: str | None,
            every_share: bool, as_json: bool, database_url: str | None) -> None:
    """Send the failed deliveries of a time range again, each once, as new deliveries (the
    workers send them). Channels get their current destination."""
    from portin.cli.main import _command_transaction
    from portin.domain.timefmt import utcnow
    from portin.services import recovery
    from portin.storage.recovery import FailedScope

    scope = FailedScope(organization_id, since, until, destination or None)
    recovered = queued = 0
    while True:
        with _command_transaction(database_url) as session:
            result = recovery.recover(session, scope, utcnow())
        recovered, queued = recovered + result.recovered, queued + result.queued
        if not (every_share and result.remaining and result.recovered):
            break
    summary = {"recovered": recovered, "queued": queued, "remaining": result.remaining}
    click.echo(json.dumps(summary) if as_json else
               f"{recovered} failed deliveries queued again ({queued} new deliveries);"
               f" {result.remaining} left")
