"""One module per resource family of /v2."""
