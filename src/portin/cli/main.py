"""`portin`: one command with subcommands named after what they operate on.

Every subcommand reads the same PORTIN_* settings; flags override them.

Only click and the standard library are imported here: each command imports what it needs
when it runs, so `--help` and the small commands start quickly (the API, the workers and
aiohttp are never loaded for them; tests/unit/test_cli_imports.py keeps it so).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import asyncio

    from sqlalchemy.orm import Session

    from portin.config import Settings
    from portin.delivery.processes import WorkerProcesses
    from portin.storage.db import Database

DB_HELP = "SQLite path or postgresql:// URL [env PORTIN_DATABASE_URL]"


def _settings(database_url: str | None) -> Settings:
    from portin.config import Settings

    overrides = {"database_url": database_url} if database_url else {}
    return Settings(**overrides)  # type: ignore[arg-type]


def _migrated_database(settings: Settings) -> Database:
    """The database of a command that reads or writes it, its schema brought up to date
    (by Alembic, imported only when there is something to do)."""
    from portin.storage.db import Database
    from portin.storage.schema_version import is_newest

    db = Database(settings.database_url)
    if not is_newest(db):
        from portin.storage import migrations

        migrations.upgrade(settings.database_url)
    return db


def _logging() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
def cli() -> None:
    """portin: port-in orders, their event history, and notifications."""


@cli.command()
@click.option("--database-url", help=DB_HELP)
def migrate(database_url: str | None) -> None:
    """Bring the database schema to the newest version."""
    from portin.storage import migrations

    settings = _settings(database_url)
    migrations.upgrade(settings.database_url)
    click.echo("database is up to date")


@cli.command("recount-events")
@click.option("--database-url", help=DB_HELP)
def recount_events(database_url: str | None) -> None:
    """Rebuild the event list's totals (per type, and per type and day) from the stored
    events: after a bulk load, or once no process older than migration 0026 still runs."""
    from portin.storage.events import recount

    settings = _settings(database_url)
    db = _migrated_database(settings)
    with db.writing() as session:
        recount(session)
    db.dispose()
    click.echo("event totals rebuilt")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--database-url", help=DB_HELP)
@click.option("--demo", is_flag=True,
              help="Make (or reuse) an organization named 'demo' and print fresh keys for it.")
@click.option("--api-processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes serving the API and the portal on the one port (the delivery"
                   " workers are started once, beside them).")
def serve(host: str, port: int, database_url: str | None, demo: bool,
          api_processes: int) -> None:
    """Run the API and the portal, with delivery worker processes beside them
    (PORTIN_WORKER_PROCESSES, default 1; they also run the draft scheduler). Migrates first."""
    import uvicorn

    from portin.delivery.processes import WorkerProcesses
    from portin.storage import migrations

    _logging()
    settings = _with_base_url(_settings(database_url), host, port)
    migrations.upgrade(settings.database_url)
    if demo:
        _print_demo_keys(settings, _listen_url(host, port))
    workers = WorkerProcesses(settings.database_url, settings.worker_processes)
    if api_processes > 1:
        _serve_in_processes(settings, workers, host, port, api_processes)
        return
    from portin.api.app import create_app

    uvicorn.run(create_app(settings, workers=workers), host=host, port=port, log_level="info",
                access_log=False)


def _serve_in_processes(settings: Settings, workers: WorkerProcesses, host: str, port: int,
                        processes: int) -> None:
    """uvicorn's supervisor runs `processes` API processes on one socket, restarts one that
    dies, and stops them all at SIGTERM or SIGINT; then this process stops the delivery
    workers it started for all of them."""
    import uvicorn

    from portin.api.asgi import IMPORT_STRING

    os.environ["PORTIN_DATABASE_URL"] = settings.database_url  # what the API processes read
    workers.start()
    try:
        uvicorn.run(IMPORT_STRING, factory=True, workers=processes, host=host, port=port,
                    log_level="info", access_log=False)
    finally:
        workers.stop()


def _listen_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):  # every interface: this machine's loopback reaches it
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _with_base_url(settings: Settings, host: str, port: int) -> Settings:
    """Links in emails point where serve listens, unless PORTIN_PUBLIC_BASE_URL says otherwise.
    The worker processes serve starts read it from the environment they inherit."""
    if settings.public_base_url:
        return settings
    base_url = _listen_url(host, port)
    os.environ["PORTIN_PUBLIC_BASE_URL"] = base_url
    return settings.model_copy(update={"public_base_url": base_url})


DEMO_EMAIL = "demo@example.com"


def _print_demo_keys(settings: Settings, base: str) -> None:
    from portin.domain.timefmt import utcnow
    from portin.services import accounts as account_service
    from portin.services import signing_keys, users
    from portin.storage import accounts
    from portin.storage.db import Database

    db = Database(settings.database_url)
    with db.writing() as session:
        organization = accounts.find_organization_by_name(session, "demo")
        if organization is None:
            organization = account_service.create_organization(session, "demo")
        api_key = account_service.create_api_key(session, "user", organization.id)
        operator_key = account_service.create_api_key(session, "operator", None)
        public_key = signing_keys.key_state(session, organization.id, utcnow()).current.public_key
        organization_id = organization.id
        password = users.generate_password()
        demo_user = users.find_user(session, DEMO_EMAIL)
        if demo_user is None:
            users.create_user(session, organization.id, DEMO_EMAIL, password, utcnow())
        else:
            users.set_password(session, demo_user, password)
    db.dispose()
    click.echo("")
    click.echo(f"portin is starting at {base}  (API docs: {base}/docs)")
    click.echo(f"  demo organization : {organization_id}")
    click.echo(f"  API key           : {api_key}")
    click.echo(f"  operator key      : {operator_key}")
    click.echo(f"  webhook public key: {public_key}")
    click.echo(f"  portal            : {base}/  sign in as {DEMO_EMAIL} / {password}")
    click.echo(f"  try: curl -H 'Authorization: Bearer {api_key}' {base}/v2/porting_orders")
    click.echo("")


@cli.command()
@click.option("--database-url", help=DB_HELP)
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Worker processes to run (on SQLite too: claims never overlap).")
@click.option("--supervised", is_flag=True, hidden=True,
              help="Stop when standard input closes (the parent is gone).")
@click.option("--no-scheduler", is_flag=True, hidden=True,
              help="Leave the draft scheduler to another process.")
def worker(database_url: str | None, processes: int, supervised: bool,
           no_scheduler: bool) -> None:
    """Run the delivery worker and the draft scheduler, without the API."""
    import asyncio

    from portin.delivery import event_loop
    from portin.delivery.processes import WorkerProcesses
    from portin.delivery.worker import DeliveryWorker
    from portin.storage import migrations
    from portin.storage.db import Database
    from portin.worker.scheduler import run_scheduler

    _logging()
    settings = _settings(database_url)
    migrations.upgrade(settings.database_url)
    if processes > 1:
        children = WorkerProcesses(settings.database_url, processes)
        children.start()
        _wait_for_a_stop_signal()
        children.stop()
        return
    db = Database(settings.database_url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if supervised:
            _stop_when_stdin_closes(loop, stop)
        jobs = [DeliveryWorker(db, settings).run(stop)]
        if not no_scheduler:
            jobs.append(run_scheduler(db, settings, stop))
        await asyncio.gather(*jobs)

    event_loop.run(main())
    db.dispose()


def _wait_for_a_stop_signal() -> None:
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    while not stopped.wait(1):
        pass


def _stop_when_stdin_closes(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not os.read(fd, 4096):  # end of file: the parent has gone
            loop.remove_reader(fd)
            stop.set()

    loop.add_reader(fd, readable)


@cli.group()
def org() -> None:
    """Organizations (tenants)."""


@org.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def org_create(name: str, as_json: bool, database_url: str | None) -> None:
    """Make an organization with its first API key and webhook signing key."""
    from portin.domain.timefmt import utcnow
    from portin.services import accounts as account_service
    from portin.services import signing_keys

    settings = _settings(database_url)
    db = _migrated_database(settings)
    with db.writing() as session:
        organization = account_service.create_organization(session, name)
        api_key = account_service.create_api_key(session, "user", organization.id)
        state = signing_keys.key_state(session, organization.id, utcnow())
        result = {"organization_id": organization.id, "api_key": api_key,
                  "public_key": state.current.public_key}
    db.dispose()
    if as_json:
        click.echo(json.dumps(result))
    else:
        for key, value in result.items():
            click.echo(f"{key}: {value}")


@cli.group()
def user() -> None:
    """People who sign in to the portal."""


@user.command("create")
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--email", required=True)
@click.option("--password", default=None,
              help="Leave out to be asked for it (or to get a generated one when not at a"
                   " terminal).")
@click.option("--database-url", help=DB_HELP)
def user_create(organization_id: str, email: str, password: str | None,
                database_url: str | None) -> None:
    """Make a portal user of an organization."""
    import sys

    from portin.domain.errors import PortinError
    from portin.domain.timefmt import utcnow
    from portin.services import users

    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password (empty to generate one)", hide_input=True,
                                    confirmation_prompt=True, default="", show_default=False)
        if not password:
            password, generated = users.generate_password(), True
    settings = _settings(database_url)
    db = _migrated_database(settings)
    try:
        with db.writing() as session:
            made = users.create_user(session, organization_id, email, password, utcnow())
            user_id = made.id
    except PortinError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        db.dispose()
    click.echo(f"user {user_id} ({email.lower()}) created")
    if generated:
        click.echo(f"password: {password}")


@cli.group("operator-key")
def operator_key() -> None:
    """Keys of the porting desk, which act across organizations."""


@operator_key.command("create")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def operator_key_create(as_json: bool, database_url: str | None) -> None:
    """Make an operator key."""
    from portin.services import accounts as account_service

    settings = _settings(database_url)
    db = _migrated_database(settings)
    with db.writing() as session:
        api_key = account_service.create_api_key(session, "operator", None)
    db.dispose()
    click.echo(json.dumps({"api_key": api_key}) if as_json else f"api_key: {api_key}")


@cli.group("api-key")
def api_key_group() -> None:
    """An organization's API keys: issue another, list them, revoke one."""


@api_key_group.command("create")
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def api_key_create(organization_id: str, as_json: bool, database_url: str | None) -> None:
    """Issue an additional key (shown this once); the organization's other keys keep working."""
    from portin.services import accounts as account_service

    with _command_transaction(database_url) as session:
        issued = account_service.issue_user_key(session, organization_id)
    result = {"id": issued.id, "prefix": issued.prefix, "api_key": issued.api_key}
    click.echo(json.dumps(result) if as_json else
               "\n".join(f"{key}: {value}" for key, value in result.items()))


@api_key_group.command("list")
@click.option("--org", "organization_id", required=True, help="The organization's id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--database-url", help=DB_HELP)
def api_key_list(organization_id: str, as_json: bool, database_url: str | None) -> None:
    """The organization's keys: id, prefix, created, revoked (never the secret)."""
    from portin.domain.timefmt import iso
    from portin.services import accounts as account_service

    with _command_transaction(database_url) as session:
        rows = [{"id": key.id, "prefix": key.prefix, "created_at": iso(key.created_at),
                 "revoked_at": iso(key.revoked_at) if key.revoked_at else None}
                for key in account_service.list_user_keys(session, organization_id)]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['prefix']}...  created {row['created_at']}"
                   f"  {'revoked ' + str(row['revoked_at']) if row['revoked_at'] else 'active'}")


@api_key_group.command("revoke")
@click.argument("key")
@click.option("--database-url", help=DB_HELP)
def api_key_revoke(key: str, database_url: str | None) -> None:
    """Revoke a key, given its id (from `api-key list`) or the key itself. It answers 401 at
    once."""
    from portin.services import accounts as account_service

    with _command_transaction(database_url) as session:
        if key.startswith((account_service.USER_KEY_PREFIX, account_service.OPERATOR_KEY_PREFIX)):
            revoked = account_service.revoke_raw_key(session, key)
        else:
            revoked = account_service.revoke_key(session, key)
        key_id = revoked.id
    click.echo(f"api key {key_id} revoked")


@cli.group()
def carriers() -> None:
    """UK carriers: the porting desk's list, shared by every organization."""


@carriers.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--database-url", help=DB_HELP)
def carriers_load(file: str, database_url: str | None) -> None:
    """Load UK carriers from a CSV file with the header `name,cupid,alternative_cupids`
    (alternative CUPIDs separated by spaces or semicolons). A carrier whose CUPID is known
    already is updated. One bad row refuses the whole file: nothing is loaded."""
    from pathlib import Path

    from portin.domain.errors import PortinError
    from portin.domain.timefmt import utcnow
    from portin.domain.uk_carriers import parse_csv
    from portin.services import uk_carriers as carrier_service

    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text.") from exc
    try:
        entries = parse_csv(text)
    except PortinError as exc:
        raise click.ClickException(f"{file}: {exc.detail} Nothing was loaded.") from exc
    with _command_transaction(database_url) as session:
        result = carrier_service.upsert(session, entries, utcnow())
    click.echo(f"loaded {len(entries)} UK carriers ({result.created} new,"
               f" {result.updated} updated)")


@contextlib.contextmanager
def _command_transaction(database_url: str | None) -> Iterator[Session]:
    """One write transaction for a command; portin's errors become a clean CLI error."""
    from portin.domain.errors import PortinError

    settings = _settings(database_url)
    db = _migrated_database(settings)
    try:
        with db.writing() as session:
            yield session
    except PortinError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        db.dispose()


def _register_subcommands() -> None:
    from portin.cli.listen import listen
    from portin.cli.recover import recover
    from portin.cli.signing_keys import signing_key
    from portin.cli.simulate import simulate

    cli.add_command(simulate)
    cli.add_command(listen)
    cli.add_command(signing_key)
    cli.add_command(recover)


_register_subcommands()
