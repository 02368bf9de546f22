"""Read a drafted summary back and check every number in it against its diff.

Used by an autouse fixture (tests/conftest.py) on every summary the suite
drafts, and by the story tests. The checks are the promises of
``frontmap.analysis.summary``: a faction's headline is its net change with the
percentage of that number; "gained G"/"lost L" are its gross gains and losses;
"N km² of it from/to X" is the sum of its ledger with X (the diff's claims),
"all of it" at least 99.5% of that side; "near P" only within the diff's
``near_km``; events' numbers are the events'. Numbers are compared as printed
(``km2_text``), so a wrong number fails even when it rounds close.
"""

from __future__ import annotations

import re

from frontmap.analysis.measure import CONTESTED, UNASSIGNED
from frontmap.analysis.summary import _ground_of, km2_text, pct_text

_NUMBER = r"(?:less than 0\.1|[\d,]+(?:\.\d)?) km²"
_ITEM = re.compile(rf"(all of it|(?P<n>{_NUMBER}) of it) (?P<prep>from|to|of) ")
_HEAD = re.compile(
    rf"^(?P<ground>.+?) (?P<verb>grew|shrank) by (?P<net>{_NUMBER}) \((?P<pct>[^)]*)\)"
)
_LITTLE = re.compile(rf"^(?P<ground>.+?) changed little \(net (?P<net>{_NUMBER}), (?P<pct>[^)]*)\)")
_NEW = re.compile(rf"^(?P<name>.+?) now holds (?P<area>{_NUMBER})")
_WHERE = re.compile(r" (near (?P<near>.+)|(?P<km>[\d,]+) km (?P<dir>[a-z-]+) of (?P<of>.+))$")


class SummaryError(AssertionError):
    pass


def _fail(sentence: str, why: str):
    raise SummaryError(f"{why}\n  in: {sentence}")


def _ledger(d, faction: str, side: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in d.claims:
        if side == "gain" and c.is_gain_of(faction):
            out.setdefault(c.from_holder, []).append(c)
        if side == "loss" and c.is_loss_of(faction):
            out.setdefault(c.to_holder, []).append(c)
    return out


def _counterpart(d, text: str, side: str) -> tuple[str, str]:
    """(holder id, the rest of the text: where) of an item's counterpart text."""
    words = {
        UNASSIGNED: "ground no faction held" if side == "gain" else "no faction",
        CONTESTED: "ground several factions claimed" if side == "gain" else "several factions",
    }
    candidates = [(d.name(f.faction), f.faction) for f in d.factions]
    candidates += [(w, h) for h, w in words.items()]
    for name, holder in sorted(candidates, key=lambda nh: -len(nh[0])):
        if text == name or text.startswith(name + " "):
            return holder, text[len(name):]
    raise KeyError(text)


def _km2_at(d, claim) -> float:
    """The km² of a claim's pieces within reach of its place (the farther of near_km
    and its largest piece), measured here: pyproj areas and geodesic distances."""
    import shapely
    from pyproj import Geod

    from .conftest import polygon_km2

    geod = Geod(ellps="WGS84")
    place = next(p for p in d.places if p.name == claim.where.place)
    at = shapely.Point(place.lon, place.lat)
    reach = max(d.near_km, claim.where.km)
    total = 0.0
    for piece in shapely.get_parts(claim.geom):
        near = shapely.ops.nearest_points(piece, at)[0]
        km = 0.0 if piece.covers(at) else geod.inv(near.x, near.y, place.lon, place.lat)[2] / 1000
        if km <= reach * 1.02 + 0.01:
            total += polygon_km2(piece)
    return total


def _check_where(d, sentence: str, where: str, claims: list) -> None:
    """The place of the largest piece, said of all of the ground only when at least 90%
    of it is there ("near Hama"), else with how much is ("(610 km² of it near X)")."""
    import shapely.ops  # noqa: F401

    biggest = max(claims, key=lambda c: c.area_km2)
    total = sum(c.area_km2 for c in claims)
    if not biggest.where:
        if where:
            _fail(sentence, f"place {where!r} for ground with no place")
        return
    place = biggest.where.text()
    there = re.fullmatch(rf" \(({_NUMBER}) of it (.+)\)", where)
    measured = _km2_at(d, biggest)
    if there:
        if there.group(2) != place:
            _fail(sentence, f"place {there.group(2)!r} is not the largest piece's ({place!r})")
        said = float(there.group(1).split()[0].replace(",", ""))
        if abs(said - measured) > max(0.01 * measured, 0.1):
            _fail(sentence, f"{there.group(1)} of it {place}: measured {measured:.3f} km²")
        if measured >= 0.905 * total:
            _fail(sentence, f"only part of it {place}, but {measured:.3f} of {total:.3f} km² is")
        where = " " + place
    elif where != " " + place:
        _fail(sentence, f"place {where!r} is not the largest piece's ({' ' + place!r})")
    elif measured < 0.895 * total:
        _fail(sentence, f"all of it {place}, but only {measured:.3f} of {total:.3f} km² is")
    m = _WHERE.match(where) if where else None
    if m and m.group("near") and biggest.where.km > d.near_km:
        _fail(sentence, f"'near' a place {biggest.where.km:.1f} km away")


def _check_items(d, sentence: str, faction: str, text: str, totals: dict) -> None:
    starts = list(_ITEM.finditer(text))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = re.split(r",? and lost ", text[m.end():end])[0].rstrip(" ,.")
        if body.endswith(" and"):
            body = body[: -len(" and")]
        side = "loss" if m.group("prep") == "to" else "gain"
        if m.group("prep") == "of":
            body = "ground " + body
        try:
            holder, where = _counterpart(d, body, side)
        except KeyError:
            _fail(sentence, f"{body!r} names no holder of the diff")
        ledger = _ledger(d, faction, side)
        if holder not in ledger:
            _fail(sentence, f"no {side} of {faction} with {holder} in the claims")
        km2 = sum(c.area_km2 for c in ledger[holder])
        if m.group("n"):
            if m.group("n") != km2_text(km2):
                _fail(sentence, f"{m.group('n')} of it: the claims say {km2_text(km2)}")
        elif km2 < 0.995 * totals[side]:
            _fail(sentence, f"'all of it' is {km2:.3f} of {totals[side]:.3f} km²")
        _check_where(d, sentence, where, ledger[holder])


def check_faction_sentence(d, sentence: str) -> bool:
    """Check a faction's sentence; False when ``sentence`` is not one."""
    by_ground = {_ground_of(d.name(f.faction)).lower(): f for f in d.factions}
    by_name = {d.name(f.faction): f for f in d.factions}
    m = _HEAD.match(sentence) or _LITTLE.match(sentence)
    f = None
    if m:
        f = by_ground.get(m.group("ground").lower())
    else:
        n = _NEW.match(sentence)
        if n and n.group("name") in by_name:
            f = by_name[n.group("name")]
            if n.group("area") != km2_text(f.area_to_km2):
                _fail(sentence, f"now holds {n.group('area')}: the table says {f.area_to_km2}")
            rest = sentence[n.end():]
            _check_items(d, sentence, f.faction, rest,
                         {"gain": f.gained_km2, "loss": f.lost_km2})
            return True
    if f is None:
        return False
    if m.group("net") != km2_text(f.net_km2):
        _fail(sentence, f"net {m.group('net')}: the table says {f.net_km2:.3f}")
    if m.group("pct") != pct_text(f.change_pct):
        _fail(sentence, f"({m.group('pct')}) is not {f.change_pct}% of the area on FROM")
    if "grew" in sentence[: m.end()] and f.net_km2 <= 0 or "shrank" in sentence[: m.end()] and (
        f.net_km2 >= 0
    ):
        _fail(sentence, "grew/shrank contradicts the sign of the net change")
    rest = sentence[m.end():]
    totals = {"gain": f.gained_km2, "loss": f.lost_km2}
    for verb, side in (("gained", "gain"), ("lost", "loss")):
        g = re.search(rf"\b{verb} ({_NUMBER})", rest)
        if g and g.group(1) != km2_text(totals[side]):
            _fail(sentence, f"{verb} {g.group(1)}: the table says {totals[side]:.3f}")
    _check_items(d, sentence, f.faction, rest, totals)
    return True


def check_event_sentence(d, sentence: str) -> None:
    """Every km² figure of an event sentence is an event's area, or a sum of several."""
    figures = re.findall(_NUMBER, sentence)
    if not figures:
        return
    areas = []
    for e in d.events:
        details = dict(e.details)
        for key in ("area_km2", "corridor_km2"):
            if details.get(key) is not None:
                areas.append(float(details[key]))
    allowed = {km2_text(a) for a in areas}
    for fig in figures:
        if fig in allowed:
            continue
        if "in all" in sentence:  # a group: the sum of events of one kind and faction
            continue
        _fail(sentence, f"{fig} is no event's number")


def check_summary(d, sentences: list[str]) -> None:
    """Check every sentence of a drafted summary against the diff it came from."""
    for s in sentences:
        if not check_faction_sentence(d, s):
            check_event_sentence(d, s)
