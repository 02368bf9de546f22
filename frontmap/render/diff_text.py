"""A diff as text: the per-faction table, transfers, events and front lines as a
plain-text table, Markdown (with the drafted summary) or CSV (rendering)."""

from __future__ import annotations

from ..analysis.change import FACTION_COLUMNS
from ..analysis.measure import CONTESTED, UNASSIGNED
from ..analysis.summary import where_of
from .formats import render_rows, to_json

__all__ = ["render_diff"]


def _holder_text(d, holder: str) -> str:
    """A holder as the text tables show it: a faction's display name; the others as words."""
    if holder == UNASSIGNED:
        return "no faction"
    if holder == CONTESTED:
        return "several (contested)"
    return d.name(holder)


def render_diff(d, fmt: str, summary: str = "", provenance: dict | None = None) -> str:
    """The diff ``d`` in ``fmt`` (table, md, csv or json); ``summary`` leads md and ends table.

    JSON and CSV name factions by id (with a ``name`` beside it); the tables for
    people (md, table) by their display names. JSON carries ``provenance``
    (:mod:`.provenance`), when given, as its ``"frontmap"`` member.
    """
    data = d.as_dict()
    if fmt == "json":
        return to_json({**data, "frontmap": provenance} if provenance else data)
    rows = data["factions"]
    kinds = {"net_km2": "signed", "change_pct": "pct"}
    if fmt == "csv":
        return render_rows(rows, ["faction", "name", *FACTION_COLUMNS[1:]], "csv")
    named = [{**r, "faction": r["name"]} for r in rows]
    out = []
    if fmt == "md":
        out.append(f"## Change {data['from']} to {data['to']}\n\n{summary}\n\n")
    else:
        out.append(f"Change {data['from']} -> {data['to']}\n\n")
    out.append(render_rows(named, FACTION_COLUMNS, fmt, kinds))
    claims = [c for c in d.claims if c.area_km2 >= 0.01]
    if claims:
        out.append(
            "\nClaims (km² each faction lost to, or gained from, another)\n\n"
            if fmt == "table"
            else "\n### Who lost ground to whom\n\n"
        )
        out.append(
            render_rows(
                [
                    {
                        "from": _holder_text(d, c.from_holder),
                        "to": _holder_text(d, c.to_holder),
                        "area_km2": c.area_km2,
                        "counts_for": {"both": "both", "from": "loss of from", "to": "gain of to"}[
                            c.counts_for
                        ],
                        "where": where_of([c]).strip().removeprefix("(").removesuffix(")"),
                    }
                    for c in claims
                ],
                ["from", "to", "area_km2", "counts_for", "where"],
                fmt,
            )
        )
    if data["transfers"]:
        out.append(
            "\nTransfers (km² that passed from one holder to another)\n\n"
            if fmt == "table"
            else "\n### Transfers between holders\n\n"
        )
        out.append(
            render_rows(
                [
                    {**x, "from": _holder_text(d, x["from"]), "to": _holder_text(d, x["to"])}
                    for x in data["transfers"]
                ],
                ["from", "to", "area_km2"],
                fmt,
            )
        )
    if data["events"]:
        out.append("\nEvents\n\n" if fmt == "table" else "\n### Events\n\n")
        ev_rows = []
        for e in data["events"]:
            details = {k: v for k, v in e.items() if k not in ("type", "faction")}
            ev_rows.append(
                {
                    "type": e["type"],
                    "faction": d.name(e["faction"]),
                    "details": _details_text(details),
                }
            )
        out.append(render_rows(ev_rows, ["type", "faction", "details"], fmt))
    if data["front_lines"]:
        out.append(
            "\nFront lines (km of shared border)\n\n" if fmt == "table" else "\n### Front lines\n\n"
        )
        fl = [
            {
                "factions": " / ".join(d.name(f) for f in x["factions"]),
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
        if v is None or v == [] or v is False or k in ("near_km", "near_bearing"):
            continue
        if isinstance(v, float):
            v = f"{v:,.1f}"
        elif isinstance(v, list):
            v = ", ".join(f"{x:,.1f}" if isinstance(x, float) else str(x) for x in v)
        elif v is True:
            v = "yes"
        parts.append(f"{k} {v}")
    return "; ".join(parts)
