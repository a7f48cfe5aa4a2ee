"""`hushcode models list`: the models found on this machine, as a table or as JSON."""

from __future__ import annotations

import json
from typing import TextIO

from hushcode.models.catalog import Catalog
from hushcode.models.discovery import discover
from hushcode.models.listing import build_rows, render_table, rows_json


def run_list(cat: Catalog, out: TextIO, *, as_json: bool, paths: bool) -> int:
    """Find, describe and print the models on this machine; the exit status."""
    rows = build_rows(discover(), cat)
    if as_json:
        print(json.dumps({"models": rows_json(rows)}, indent=2), file=out)
    else:
        render_table(rows, out, paths=paths)
    return 0
