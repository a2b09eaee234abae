"""The `portin` command."""
