"""The HTTP API: FastAPI routes under /v2 following the seed's public API, and its error format."""
