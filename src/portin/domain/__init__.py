"""Pure domain rules: no I/O, no database, no HTTP. Everything here is testable in isolation."""
