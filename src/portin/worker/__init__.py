"""Background work that runs inside `portin serve` or alone as `portin worker`."""
