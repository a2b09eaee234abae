"""The app of each API process of `portin serve --api-processes N`.

uvicorn runs several processes only from an import string, so each process builds its own
app here, from the PORTIN_* environment its parent set (the parent puts its --database-url
there). The parent has migrated the database and runs the delivery worker processes once for
all of them: none start here.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from portin.api.app import create_app
from portin.config import Settings

IMPORT_STRING = "portin.api.asgi:create_app_from_environment"


def create_app_from_environment() -> FastAPI:
    # A spawned process inherits no logging set-up: portin's own lines as `serve` logs them.
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(Settings())
