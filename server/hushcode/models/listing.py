"""``hushcode models list``: the models found on this machine, as a table or as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TextIO

from hushcode.models.catalog import Catalog
from hushcode.models.discovery import Found
from hushcode.models.match import match_file


@dataclass(frozen=True, kw_only=True)
class Row:
    """One line of the listing: a model file described from its GGUF (and matched to the catalog),
    or, with ``error`` set, something that could not be read. Flat, so that ``--json`` prints one
    object with the same keys for every line of the table."""

    source: str
    name: str
    path: str
    size_bytes: int | None = None
    quant: str | None = None
    fim: str | None = None  # the FIM template found in the vocabulary, None when it has none
    license: str | None = None
    license_from: str | None = None  # "gguf", "ollama" or "catalog"
    commercial_use: bool | None = None  # known only for catalog matches
    catalog: str | None = None  # the matching catalog file (or model) id
    match: str | None = None  # how it was matched
    gguf_name: str | None = None
    architecture: str | None = None
    params: int | None = None
    error: str | None = None


def build_rows(found: list[Found], catalog: Catalog | None) -> list[Row]:
    """Describe each found file; match it against the catalog when one is given."""
    rows: list[Row] = []
    for item in found:
        if item.info is None:
            rows.append(Row(source=item.source, name=item.label, path=str(item.path),
                            error=item.error or "unreadable"))
            continue
        info = item.info
        fim = info.fim
        match = match_file(catalog, info, item.path.name if item.source != "ollama" else None) \
            if catalog is not None else None
        license_value, license_from = info.license, "gguf"
        if not license_value and item.license_text:
            license_value, license_from = item.license_text, "ollama"
        if not license_value and match is not None:
            license_value, license_from = match.spec.license, "catalog"
        rows.append(Row(
            source=item.source, name=item.label, path=str(item.path), size_bytes=info.size_bytes,
            quant=info.quant, fim=fim.template if fim else None,
            license=license_value, license_from=license_from if license_value else None,
            commercial_use=match.spec.commercial_use if match else None,
            catalog=match.label if match else None, match=match.how if match else None,
            gguf_name=info.name, architecture=info.architecture or None, params=info.params,
        ))
    return rows


def rows_json(rows: list[Row]) -> list[dict[str, Any]]:
    """Rows as plain dicts (for ``--json``)."""
    return [asdict(row) for row in rows]


def fmt_bytes(size: int | None) -> str:
    """1234567890 -> "1.23 GB"; sizes are in 10^6-byte MB as on model pages."""
    if size is None:
        return "?"
    mb = size / 1_000_000
    return f"{mb / 1000:.2f} GB" if mb >= 1000 else f"{mb:.0f} MB"


def _licence_cell(row: Row) -> str:
    if not row.license:
        return "unknown"
    text = row.license if len(row.license) <= 28 else row.license[:27] + "…"
    if row.commercial_use is False:
        text += " (non-commercial)"
    return text + (" [catalog]" if row.license_from == "catalog" else "")


def render_table(rows: list[Row], out: TextIO, *, paths: bool = False) -> None:
    """Print the listing: one line per model, then the problems, then how matching works."""
    good = [r for r in rows if r.error is None]
    bad = [r for r in rows if r.error is not None]
    if not rows:
        print("No GGUF models found. Get one with: hushcode models pull", file=out)
        return
    headers = ("SOURCE", "NAME", "SIZE", "QUANT", "FIM", "LICENCE", "CATALOG")
    cells = [(r.source, r.name, fmt_bytes(r.size_bytes), r.quant or "?", r.fim or "no",
              _licence_cell(r), r.catalog or "-") for r in good]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(headers)]
    if good:
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), file=out)
    for row, cell in zip(good, cells, strict=True):
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip(), file=out)
        if paths:
            print(f"    {row.path}", file=out)
    if bad:
        print("\nCould not read:", file=out)
        for row in bad:
            print(f"  {row.source}  {row.name}: {row.error}", file=out)
    print("\nFIM: the fill-in-the-middle tokens found in the model's vocabulary (\"no\": hushcode "
          "cannot use it).\nCATALOG: the catalog model it looks like, matched by file name and size "
          "or by the GGUF's\narchitecture, layers and quantisation, never by hash (--json says which).",
          file=out)
