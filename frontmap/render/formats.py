"""Tables as text, CSV, JSON and Markdown (rendering).

Every command that prints rows goes through :func:`render_rows`, so the four
formats agree on columns and order, and JSON is deterministic.
"""

from __future__ import annotations

import csv
import io
import json
import math

from ..errors import ArgumentError

__all__ = ["render_rows", "to_json", "round_floats", "fmt_km2", "FORMATS", "DECIMALS"]

FORMATS = ("table", "csv", "json", "md")
#: decimals kept for km and km² in JSON and CSV (6 = 1 m² for areas)
DECIMALS = 6


def round_floats(value, ndigits: int = DECIMALS):
    """Round every float in a nested structure; NaN/inf become None (JSON has no NaN)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        r = round(value, ndigits)
        return 0.0 if r == 0 else r  # no "-0.0"
    if isinstance(value, dict):
        return {k: round_floats(v, ndigits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, ndigits) for v in value]
    return value


def to_json(value) -> str:
    """Deterministic, human-readable JSON with rounded floats, ending in a newline."""
    return json.dumps(round_floats(value), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def fmt_km2(x, decimals: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:,.{decimals}f}"


def _cell_text(v, kind: str | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if kind == "pct":
            if v == 0:
                return "0%"
            return f"{v:+.2f}%" if abs(v) >= 0.005 else "less than 0.01%"
        if kind == "signed":
            return f"{v:+,.1f}" if abs(v) >= 0.05 else "0.0"
        return fmt_km2(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(_cell_text(x, None) for x in v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {_cell_text(x, None)}" for k, x in v.items())
    return str(v)


def csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float):
        r = round_floats(v)
        return "" if r is None else repr(r)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ";".join(str(csv_value(x)) for x in v)
    if isinstance(v, dict):
        return ";".join(f"{k}={csv_value(x)}" for k, x in v.items())
    return v


def render_rows(
    rows: list[dict],
    columns: list[str],
    fmt: str,
    kinds: dict[str, str] | None = None,
    json_value=None,
) -> str:
    """Render ``rows`` (dicts) with ``columns`` in one of :data:`FORMATS`.

    ``kinds`` marks columns as ``"pct"`` or ``"signed"`` for the text
    formats. ``json_value`` replaces the rows in JSON output when given.
    """
    kinds = kinds or {}
    if fmt == "json":
        return to_json(rows if json_value is None else json_value)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([csv_value(r.get(c)) for c in columns])
        return buf.getvalue()
    cells = [[_cell_text(r.get(c), kinds.get(c)) for c in columns] for r in rows]
    numeric = [
        all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows) and bool(rows)
        for c in columns
    ]
    if fmt == "md":

        def esc(t: str) -> str:
            return t.replace("|", "\\|")

        lines = ["| " + " | ".join(columns) + " |"]
        lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]

        def line(vals):
            out = []
            for i, v in enumerate(vals):
                out.append(v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]))
            return "  ".join(out).rstrip()

        text = [line(columns), line(["-" * w for w in widths])]
        text += [line(row) for row in cells]
        return "\n".join(text) + "\n"
    raise ArgumentError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
