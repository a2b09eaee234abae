"""Getting events out: signing, the SSRF guard, webhook and email senders, and the worker."""
