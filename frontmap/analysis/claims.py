"""Claims: the faction-eye view of a change, "A lost N km² to B" (analysis).

``transfers`` follow *holders* (ground only one faction claims, contested,
unassigned). A claim follows one faction's *claim*: the ground it claimed on
FROM and no longer claims on TO (its loss), or the ground it claims on TO and
did not claim on FROM (its gain), and who is on the other side. Every point of
a faction's loss or gain falls in exactly one claim of its ledger, so

* a faction's ``lost_km2`` is the sum of its claims with ``from`` = the faction
  and ``counts_for`` in ``both``/``from``, and
* its ``gained_km2`` the sum of its claims with ``to`` = the faction and
  ``counts_for`` in ``both``/``to``.

The other side of a loss is whoever newly claims the ground on TO, else whoever
already claimed it and still does (the ground is left to them), else
``unassigned`` (nobody claims it now); of a gain, whoever gave the ground up,
else whoever still claims it beside the gainer (it is now contested), else
``unassigned`` (nobody claimed it). Where several factions are on the other
side of the same ground, it is ``contested``. ``counts_for`` says whose ledger a
claim is in: ``both`` (one faction's claim passed to one other: a loss of
``from`` and a gain of ``to``), ``from`` (only a loss: e.g. ``to`` already
claimed the ground) or ``to`` (only a gain: e.g. ``from`` still claims it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import shapely

from ..read.model import Place
from .geodesy import area_km2
from .measure import CONTESTED, GRID, UNASSIGNED, polygonal
from .places import NEAR_KM, Where, area_there, locate

__all__ = ["Claim", "claims", "ledger", "BOTH", "FROM", "TO"]

BOTH, FROM, TO = "both", "from", "to"


@dataclass
class Claim:
    from_holder: str
    to_holder: str
    area_km2: float
    #: whose ledger: "both" (a loss of from and a gain of to), "from" or "to"
    counts_for: str
    geom: shapely.Geometry = field(default=None, repr=False)
    #: the place of its largest piece
    where: Where | None = None
    #: how much of it is at that place (see :func:`.places.area_there`)
    near_area_km2: float | None = None

    def as_dict(self) -> dict:
        out = {
            "from": self.from_holder,
            "to": self.to_holder,
            "area_km2": self.area_km2,
            "counts_for": self.counts_for,
        }
        if self.where is not None:
            out.update(self.where.as_dict())
        else:
            out.update({"near": None, "near_km": None, "near_bearing": None})
        out["near_area_km2"] = self.near_area_km2
        return out

    def is_loss_of(self, faction: str) -> bool:
        return self.from_holder == faction and self.counts_for in (BOTH, FROM)

    def is_gain_of(self, faction: str) -> bool:
        return self.to_holder == faction and self.counts_for in (BOTH, TO)


def _empty() -> shapely.Geometry:
    return shapely.MultiPolygon()


def _union(geoms) -> shapely.Geometry:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return _empty()
    return geoms[0] if len(geoms) == 1 else polygonal(shapely.union_all(geoms, grid_size=GRID))


def _minus(a, b) -> shapely.Geometry:
    return polygonal(shapely.difference(a, b, grid_size=GRID)) if not b.is_empty else polygonal(a)


def _split_by_cover(ground, candidates: dict[str, shapely.Geometry]):
    """The parts of ``ground`` covered by exactly one candidate (per candidate), by
    several, and by none."""
    if ground.is_empty:
        return {}, _empty(), _empty()
    covered = {}
    for k, g in candidates.items():
        if g.is_empty or not shapely.intersects(ground, g):
            continue
        piece = polygonal(shapely.intersection(ground, g, grid_size=GRID))
        if not piece.is_empty:
            covered[k] = piece
    single = {}
    for k, piece in covered.items():
        others = _union(v for j, v in covered.items() if j != k)
        alone = _minus(piece, others)
        if not alone.is_empty:
            single[k] = alone
    anywhere = _union(covered.values())
    several = _minus(anywhere, _union(single.values()))
    nowhere = _minus(ground, anywhere)
    return single, several, nowhere


def _who(single: dict, several) -> list[tuple[str, shapely.Geometry]]:
    return [*single.items(), (CONTESTED, several)]


#: ``minus(faction, lost, grid)``: a faction's lost (FROM minus TO) or gained ground
Minus = Callable[..., shapely.Geometry]


class _Kept:
    """Each faction's ground on both dates, computed when first needed: a ledger needs
    it only where lost or gained ground was neither taken nor given up by anyone."""

    def __init__(self, t_from: dict, t_to: dict, factions):
        self._t_from, self._t_to, self._factions = t_from, t_to, list(factions)
        self._found: dict[str, shapely.Geometry] = {}

    def near(self, faction: str, ground) -> dict[str, shapely.Geometry]:
        """The kept ground of every other faction that may cover some of ``ground``."""
        out: dict[str, shapely.Geometry] = {}
        if ground.is_empty:
            return out
        for c in self._factions:
            a, b = self._t_from.get(c), self._t_to.get(c)
            if c == faction or a is None or b is None:
                continue
            if not (shapely.intersects(ground, a) and shapely.intersects(ground, b)):
                continue  # (its kept ground, inside both, cannot cover any of it)
            if c not in self._found:
                self._found[c] = polygonal(shapely.intersection(a, b, grid_size=GRID))
            out[c] = self._found[c]
        return out


def ledger(
    t_from: dict, t_to: dict, minus: Minus | None = None
) -> dict[tuple[str, str, str], shapely.Geometry]:
    """(from, to, counts_for) -> ground, for every faction's losses and gains.

    ``minus(faction, lost=True|False, grid=GRID)`` gives a faction's lost or gained
    ground (:meth:`.overlay.PairOverlay.minus`: computed where the dates differ);
    without it, the whole territories are overlaid.
    """
    empty = _empty()
    lost, gained = {}, {}
    factions = list(dict.fromkeys([*t_from, *t_to]))
    for f in factions:
        if minus is not None:
            lost[f] = minus(f, lost=True, grid=GRID)
            gained[f] = minus(f, lost=False, grid=GRID)
        else:
            a, b = t_from.get(f, empty), t_to.get(f, empty)
            lost[f] = _minus(a, b)
            gained[f] = _minus(b, a)
    kept = _Kept(t_from, t_to, factions)
    out: dict[tuple[str, str, str], list] = {}

    def add(key, geom):
        if geom is not None and not geom.is_empty:
            out.setdefault(key, []).append(geom)

    for a, ground in lost.items():
        if ground.is_empty:
            continue
        new, several, rest = _split_by_cover(ground, {b: g for b, g in gained.items() if b != a})
        other_losers = _union(g for c, g in lost.items() if c != a)
        for b, g in new.items():
            one_to_one = polygonal(shapely.difference(g, other_losers, grid_size=GRID))
            add((a, b, BOTH), one_to_one)
            add((a, b, FROM), polygonal(shapely.intersection(g, other_losers, grid_size=GRID)))
        add((a, CONTESTED, FROM), several)
        keepers, several_k, nobody = _split_by_cover(rest, kept.near(a, rest))
        for c, g in _who(keepers, several_k):
            add((a, c, FROM), g)
        add((a, UNASSIGNED, FROM), nobody)
    for b, ground in gained.items():
        if ground.is_empty:
            continue
        gave, several, rest = _split_by_cover(ground, {a: g for a, g in lost.items() if a != b})
        other_gainers = _union(g for c, g in gained.items() if c != b)
        for a, g in gave.items():  # the one-to-one part is in the loser's ledger already
            add((a, b, TO), polygonal(shapely.intersection(g, other_gainers, grid_size=GRID)))
        add((CONTESTED, b, TO), several)
        keepers, several_k, nobody = _split_by_cover(rest, kept.near(b, rest))
        for c, g in _who(keepers, several_k):
            add((c, b, TO), g)
        add((UNASSIGNED, b, TO), nobody)
    return {k: _union(v) for k, v in out.items()}


def claims(
    t_from: dict,
    t_to: dict,
    order: list[str],
    places: Sequence[Place] | None = None,
    near_km: float = NEAR_KM,
    minus: Minus | None = None,
) -> list[Claim]:
    """Every claim with an area, largest first (ties: ``order``, then the ledger);
    ``minus`` as for :func:`ledger`."""
    rank = {h: i for i, h in enumerate([*order, CONTESTED, UNASSIGNED])}
    found = []
    for (a, b, side), geom in ledger(t_from, t_to, minus).items():
        km2 = area_km2(geom)
        if km2 <= 0:
            continue
        parts = shapely.get_parts(geom)
        areas = [area_km2(p) for p in parts]
        largest = parts[max(range(len(parts)), key=areas.__getitem__)]
        where = locate(largest, places, near_km)
        there = area_there(parts, areas, where) if where is not None else None
        found.append(Claim(a, b, km2, side, geom, where, there))
    found.sort(
        key=lambda c: (
            -c.area_km2,
            rank.get(c.from_holder, len(rank)),
            rank.get(c.to_holder, len(rank)),
            (BOTH, FROM, TO).index(c.counts_for),
        )
    )
    return found
