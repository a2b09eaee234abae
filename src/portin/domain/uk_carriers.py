"""UK carriers as the porting desk loads them: a name and Ofcom CUPIDs (three digits).

One carrier per CUPID: loading a CUPID again updates that carrier (its name and its
alternative CUPIDs), so the desk can load a corrected list over the old one. A CSV file has
a header row with the columns `name,cupid,alternative_cupids`; alternative CUPIDs are
separated by spaces or semicolons within their cell, and the column may be left empty.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from portin.domain.errors import InvalidRequest

CSV_COLUMNS = ("name", "cupid", "alternative_cupids")
NAME_MAX_LENGTH = 255
MAX_ALTERNATIVES = 50
MAX_FILE_ROWS = 10_000

_CUPID = re.compile(r"^[0-9]{3}$")
_SEPARATORS = re.compile(r"[;\s]+")


@dataclass(frozen=True)
class CarrierEntry:
    name: str
    cupid: str
    alternative_cupids: tuple[str, ...]


def check_entry(name: str, cupid: str, alternative_cupids: list[str] | tuple[str, ...],
                pointer: str = "") -> CarrierEntry:
    """A carrier the table may hold, else InvalidRequest pointing at the field."""
    name = name.strip()
    if not name or any(ord(c) < 32 for c in name):
        raise InvalidRequest("A carrier needs a name (printable, not blank).",
                             pointer=f"{pointer}/name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidRequest(f"The name is longer than {NAME_MAX_LENGTH} characters.",
                             pointer=f"{pointer}/name")
    if not _CUPID.match(cupid):
        raise InvalidRequest(f"{cupid!r} is not a CUPID: three digits.",
                             pointer=f"{pointer}/cupid")
    if len(alternative_cupids) > MAX_ALTERNATIVES:
        raise InvalidRequest(f"At most {MAX_ALTERNATIVES} alternative CUPIDs.",
                             pointer=f"{pointer}/alternative_cupids")
    seen: set[str] = set()
    for index, alternative in enumerate(alternative_cupids):
        if not _CUPID.match(alternative):
            raise InvalidRequest(f"{alternative!r} is not a CUPID: three digits.",
                                 pointer=f"{pointer}/alternative_cupids/{index}")
        if alternative in seen:
            raise InvalidRequest(f"{alternative} is listed twice.",
                                 pointer=f"{pointer}/alternative_cupids/{index}")
        seen.add(alternative)
    return CarrierEntry(name, cupid, tuple(alternative_cupids))


def parse_csv(text: str) -> list[CarrierEntry]:
    """Every row of a carriers CSV file, or InvalidRequest naming the first bad line (so
    nothing of a bad file is loaded). A CUPID listed on two rows is refused."""
    if "\x00" in text:
        raise InvalidRequest("The file holds a NUL character.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or tuple(cell.strip().lower() for cell in header) != CSV_COLUMNS:
            raise InvalidRequest(f"line 1: the header must be {','.join(CSV_COLUMNS)}.")
        entries: list[CarrierEntry] = []
        lines: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(entries) >= MAX_FILE_ROWS:
                raise InvalidRequest(f"line {line}: at most {MAX_FILE_ROWS} carriers a file.")
            if len(cells) != len(CSV_COLUMNS):
                raise InvalidRequest(f"line {line}: {len(cells)} columns, expected"
                                     f" {len(CSV_COLUMNS)} ({','.join(CSV_COLUMNS)}).")
            name, cupid, alternatives = cells
            try:
                entry = check_entry(name, cupid.strip(),
                                    [a for a in _SEPARATORS.split(alternatives) if a])
            except InvalidRequest as exc:
                raise InvalidRequest(f"line {line}: {exc.detail}") from exc
            if entry.cupid in lines:
                raise InvalidRequest(f"line {line}: CUPID {entry.cupid} is already on line"
                                     f" {lines[entry.cupid]}.")
            lines[entry.cupid] = line
            entries.append(entry)
    except csv.Error as exc:
        raise InvalidRequest(f"line {reader.line_num}: not valid CSV ({exc}).") from exc
    return entries
