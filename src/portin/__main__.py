"""`python -m portin`: the same as the `portin` command."""

from portin.cli.main import cli

cli()
