"""The defaults of the tables an operator edits (catalogues, rules), shipped as JSON files
beside this module. A migration seeds its table from one of them; after that the table, not
the file, is the truth, and the operator API edits it."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load(name: str) -> list[dict[str, Any]]:
    """The rows of `<name>.json`: a JSON list of objects."""
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    rows = json.loads(text)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(f"{name}.json must hold a list of objects")
    return rows
