"""A diff as text: the per-faction table, transfers, events and front lines as a
plain-text table, Markdown (with the drafted summary) or CSV (rendering)."""

from __future__ import annotations

from ..analysis.change import FACTION_COLUMNS
from .formats import render_rows, to_json

__all__ = ["render_diff"]


def render_diff(d, fmt: str, summary: str = "") -> str:
    """The diff ``d`` in ``fmt`` (table, md, csv or json); ``summary`` leads md and ends table."""
    data = d.as_dict()
    if fmt == "json":
        return to_json(data)
    rows = data["factions"]
    kinds = {"net_km2": "signed", "change_pct": "pct"}
    if fmt == "csv":
        return render_rows(rows, FACTION_COLUMNS, "csv")
    out = []
    if fmt == "md":
        out.append(f"## Change {data['from']} to {data['to']}\n\n{summary}\n\n")
    else:
        out.append(f"Change {data['from']} -> {data['to']}\n\n")
    out.append(render_rows(rows, FACTION_COLUMNS, fmt, kinds))
    if data["transfers"]:
        out.append(
            "\nTransfers (km² that passed from one holder to another)\n\n"
            if fmt == "table"
            else "\n### Transfers\n\n"
        )
        out.append(render_rows(data["transfers"], ["from", "to", "area_km2"], fmt))
    if data["events"]:
        out.append("\nEvents\n\n" if fmt == "table" else "\n### Events\n\n")
        ev_rows = []
        for e in data["events"]:
            details = {k: v for k, v in e.items() if k not in ("type", "faction")}
            ev_rows.append(
                {"type": e["type"], "faction": e["faction"], "details": _details_text(details)}
            )
        out.append(render_rows(ev_rows, ["type", "faction", "details"], fmt))
    if data["front_lines"]:
        out.append(
            "\nFront lines (km of shared border)\n\n" if fmt == "table" else "\n### Front lines\n\n"
        )
        fl = [
            {
                "factions": " / ".join(x["factions"]),
                "length_from_km": x["length_from_km"],
                "length_to_km": x["length_to_km"],
            }
            for x in data["front_lines"]
        ]
        out.append(render_rows(fl, ["factions", "length_from_km", "length_to_km"], fmt))
    if fmt == "table":
        out.append(f"\n{summary}\n")
    return "".join(out)


def _details_text(details: dict) -> str:
    parts = []
    for k, v in details.items():
        if v is None or v == [] or v is False:
            continue
        if isinstance(v, float):
            v = f"{v:,.1f}"
        elif isinstance(v, list):
            v = ", ".join(f"{x:,.1f}" if isinstance(x, float) else str(x) for x in v)
        elif v is True:
            v = "yes"
        parts.append(f"{k} {v}")
    return "; ".join(parts)
