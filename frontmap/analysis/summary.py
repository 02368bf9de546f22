"""Plain-English summaries drafted from a diff (rendering).

Every number in a sentence is one of the diff's numbers, rounded for reading.
"""

from __future__ import annotations

from .change import Diff
from .measure import CONTESTED, UNASSIGNED

__all__ = ["summarize", "km2_text", "pct_text"]


def km2_text(x: float) -> str:
    """812 km², 1,790 km², 4.3 km², 0.4 km²."""
    if abs(x) >= 10:
        return f"{x:,.0f} km²"
    return f"{x:,.1f} km²"


def pct_text(p: float) -> str:
    """-1.2%, +0.02%, <0.01%: enough digits to show the change is not zero."""
    if abs(p) >= 1:
        return f"{p:+.1f}%"
    if abs(p) >= 0.01:
        return f"{p:+.2f}%"
    return "+<0.01%" if p > 0 else "-<0.01%" if p < 0 else "0%"


def _holder(h: str, names: dict[str, str] | None) -> str:
    if h == UNASSIGNED:
        return "unassigned ground"
    if h == CONTESTED:
        return "contested ground"
    return (names or {}).get(h, h)


def _near(d: Diff, a: str, b: str) -> str:
    for t in d.transfers:
        if t.from_holder == a and t.to_holder == b and t.near:
            return f" near {t.near}"
    return ""


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _faction_sentence(d: Diff, fid: str, names, min_km2: float, said: set) -> str | None:
    """One sentence on a faction, or None when it adds nothing not said already."""
    f = d.faction(fid)
    name = _holder(fid, names)
    to_others = sorted(
        ((b, km2) for (a, b), km2 in d.matrix.items() if a == fid and km2 >= min_km2),
        key=lambda kv: -kv[1],
    )
    from_others = sorted(
        ((a, km2) for (a, b), km2 in d.matrix.items() if b == fid and km2 >= min_km2),
        key=lambda kv: -kv[1],
    )
    new_out = [(b, km2) for b, km2 in to_others if (fid, b) not in said]
    new_in = [(a, km2) for a, km2 in from_others if (a, fid) not in said]
    if not new_out and not new_in:
        return None
    pct = f" ({pct_text(f.change_pct)})" if f.change_pct is not None else ""
    lost_first = f.lost_km2 >= min_km2 and f.lost_km2 >= f.gained_km2
    if not lost_first and f.gained_km2 < min_km2:
        return None
    # lead with the larger side: "lost X, Y of it to B" or "gained X, Y of it from A"
    losing = ("lost", f.lost_km2, to_others, "to", lambda h: (fid, h))
    gaining = ("gained", f.gained_km2, from_others, "from", lambda h: (h, fid))
    lead, other = (losing, gaining) if lost_first else (gaining, losing)
    verb, total, moves, prep, pair = lead
    text = f"{name} {verb} {km2_text(total)}{pct}"
    if moves:
        h, km2 = moves[0]
        share = "all of it" if km2 >= 0.995 * total else f"{km2_text(km2)} of it"
        text += f", {share} {prep} {_holder(h, names)}{_near(d, *pair(h))}"
        said.add(pair(h))
    clauses = [text]
    _, _, moves, prep, pair = other
    if moves:
        h, km2 = moves[0]
        verb = "took" if lost_first else "lost"
        clauses.append(f"{verb} {km2_text(km2)} {prep} {_holder(h, names)}{_near(d, *pair(h))}")
        said.add(pair(h))
    return " and ".join(clauses) + "."


def possessive(name: str) -> str:
    """IS's, the allies' (a name ending in s takes the apostrophe alone)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _event_sentence(e, names) -> str | None:
    who = _holder(e.faction, names)
    whose = possessive(who)
    near = f" near {e.details['near']}" if e.details.get("near") else ""
    what = "territory" if e.details.get("main") else "pocket"
    if e.type == "split":
        n = e.details["parts_after"]
        pieces = "in two" if n == 2 else f"into {n} parts"
        by = e.details.get("by") or []
        by_text = f" by {_list([_holder(b, names) for b in by])}" if by else ""
        return f"{whose} {what}{near} was cut {pieces}{by_text}."
    if e.type == "merge":
        return f"{whose} separate parts{near} were joined ({e.details['parts_before']} into one)."
    if e.type == "encircled":
        by = _list([_holder(b, names) for b in e.details.get("by", [])])
        return f"{whose} pocket{near} is now encircled by {by}."
    if e.type == "new_pocket":
        return f"{who} holds a new pocket{near} ({km2_text(e.details['area_km2'])})."
    if e.type == "pocket_lost":
        to = e.details.get("to") or []
        to_text = f" to {_list([_holder(t, names) for t in to])}" if to else ""
        return f"{who} lost its {what}{near} ({km2_text(e.details['area_km2'])}){to_text}."
    return None


_GROUPED = {
    "split": "{whose} territory was cut in {n} places",
    "merge": "{n} pairs of {whose} parts were joined",
    "encircled": "{n} of {whose} pockets are now encircled",
    "new_pocket": "{who} holds {n} new pockets ({km2} in all)",
    "pocket_lost": "{who} lost {n} pockets ({km2} in all)",
}


def _event_sentences(events, names, per_kind: int = 2, most: int = 5) -> list[str]:
    """A sentence per event; three or more events of one kind and faction become one."""
    groups: dict[tuple[str, str], list] = {}
    for e in events:
        groups.setdefault((e.type, e.faction), []).append(e)
    out = []
    for (kind, fid), evs in groups.items():
        if len(evs) > per_kind and kind in _GROUPED:
            who = _holder(fid, names)
            km2 = km2_text(sum(e.details.get("area_km2", 0.0) for e in evs))
            text = _GROUPED[kind].format(n=len(evs), who=who, whose=possessive(who), km2=km2)
            out.append(text[0].upper() + text[1:] + ".")
        else:
            out.extend(s for s in (_event_sentence(e, names) for e in evs) if s)
    return out[:most]


def summarize(d: Diff, names: dict[str, str] | None = None, min_km2: float = 0.5) -> str:
    """A short paragraph: who lost and gained what to whom, then the topology events.

    ``names`` maps faction ids to the names to print (ids by default).
    Factions are taken in order of how much ground changed hands.
    """
    moved = sorted(d.factions, key=lambda f: -(f.gained_km2 + f.lost_km2))
    sentences = []
    said: set = set()
    for f in moved:
        s = _faction_sentence(d, f.faction, names, min_km2, said)
        if s:
            sentences.append(s)
    sentences.extend(_event_sentences(d.events, names))
    if not sentences:
        return f"No ground changed hands between {d.date_from} and {d.date_to}."
    return " ".join(sentences)
