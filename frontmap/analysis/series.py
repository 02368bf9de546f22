"""Area over time: every faction's area and parts on every date, and the biggest
topology events of the series (analysis).

``area_series`` streams: it holds two snapshots at a time. Areas and parts are
those of :func:`frontmap.analysis.measure.areas` (the numbers ``frontmap
areas`` prints), computed by the same code.

Events are found from the parts of consecutive dates rather than from a full
:func:`frontmap.analysis.change.diff` of every pair: each faction's parts on
one date are matched with its parts on the next by overlap (the same matching
and thresholds the diff uses), which gives splits, merges, new pockets and
pockets lost at the cost of a few intersections per faction and date, where a
diff overlays every holder and measures every border (about 30 times slower
on the real DeepState archive; see README, "Performance"). Encirclement needs
the borders of a pocket, so it is checked only for pockets that appear on a
date (cut off by a split, or new): the way a pocket usually becomes encircled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import shapely

from ..read.model import Snapshot
from .change import _encircled, _overlap_km2
from .measure import CONTESTED, AreaRow, areas
from .topology import Part, faction_parts

__all__ = ["SeriesEvent", "AreaSeries", "area_series", "EVENT_TYPES", "MARKED_TYPES"]

#: every event type the series records
EVENT_TYPES = ("split", "encircled", "pocket_lost", "merge", "new_pocket")
#: the types a chart marks (the biggest of them), in order of priority
MARKED_TYPES = ("split", "encircled", "pocket_lost")


@dataclass(frozen=True)
class SeriesEvent:
    """A change in how a faction's territory falls apart, between two consecutive dates.

    ``area_km2`` measures the event: the ground cut off by a split (every piece
    but the largest), a pocket lost, encircled or new, the smaller side of a merge.
    """

    date: dt.date
    date_before: dt.date
    type: str
    faction: str
    area_km2: float
    parts_before: int
    parts_after: int
    #: the faction's main body was involved (its largest part split or lost)
    main: bool = False
    #: pieces a split made, or parts a merge joined (0 for the other types)
    pieces: int = 0

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "date_before": self.date_before.isoformat(),
            "type": self.type,
            "faction": self.faction,
            "area_km2": self.area_km2,
            "parts_before": self.parts_before,
            "parts_after": self.parts_after,
            "main": self.main,
            "pieces": self.pieces,
        }


@dataclass
class AreaSeries:
    """Area (geodesic km²) and parts of every faction on every date.

    ``areas[f][i]`` is faction ``f``'s area on ``dates[i]`` (0.0 when it holds
    no ground that day); ``contested[i]`` the ground two or more factions claim.
    """

    dates: list[dt.date] = field(default_factory=list)
    factions: list[str] = field(default_factory=list)
    areas: dict[str, list[float]] = field(default_factory=dict)
    parts: dict[str, list[int]] = field(default_factory=dict)
    contested: list[float] = field(default_factory=list)
    events: list[SeriesEvent] = field(default_factory=list)
    #: the rows of ``frontmap areas``, in its order
    rows: list[AreaRow] = field(default_factory=list)

    def value(self, faction: str, i: int) -> float:
        if faction == CONTESTED:
            return self.contested[i]
        return self.areas[faction][i]

    def ordered(self, order: list[str]) -> AreaSeries:
        """The same series with factions in ``order`` first (display order)."""
        ids = [f for f in order if f in self.factions] + [
            f for f in self.factions if f not in order
        ]
        return AreaSeries(
            self.dates, ids, self.areas, self.parts, self.contested, self.events, self.rows
        )

    def between(self, start: dt.date | None, end: dt.date | None) -> AreaSeries:
        """Only the dates from ``start`` to ``end`` (inclusive; None: open)."""
        keep = [
            i
            for i, d in enumerate(self.dates)
            if (start is None or d >= start) and (end is None or d <= end)
        ]
        kept = {self.dates[i] for i in keep}
        first = self.dates[keep[0]] if keep else None
        return AreaSeries(
            [self.dates[i] for i in keep],
            [f for f in self.factions if any(self.areas[f][i] > 0 for i in keep)],
            {f: [v[i] for i in keep] for f, v in self.areas.items()},
            {f: [v[i] for i in keep] for f, v in self.parts.items()},
            [self.contested[i] for i in keep],
            [
                e
                for e in self.events
                if e.date in kept and first is not None and e.date_before >= first
            ],
            [r for r in self.rows if r.date in kept],
        )

    def wide_rows(self, contested: bool = True) -> list[dict]:
        """One row per date, one column per faction (and ``contested`` when any)."""
        cols = list(self.factions)
        if contested and any(v > 0 for v in self.contested):
            cols.append(CONTESTED)
        return [
            {"date": d.isoformat(), **{f: self.value(f, i) for f in cols}}
            for i, d in enumerate(self.dates)
        ]

    def wide_columns(self, contested: bool = True) -> list[str]:
        cols = ["date", *self.factions]
        if contested and any(v > 0 for v in self.contested):
            cols.append(CONTESTED)
        return cols


def _overlaps(parts_a: list[Part], parts_b: list[Part]) -> dict[int, list[int]]:
    """For each part of ``a``, the parts of ``b`` it overlaps by more than a sliver:
    :func:`frontmap.analysis.change._overlaps` (the same threshold), with the
    pairs whose boxes are apart skipped, and identical parts, or parts whose inner
    points each lie inside the other (a main body from one day to the next),
    recognised without an overlay."""
    out: dict[int, list[int]] = {i: [] for i in range(len(parts_a))}
    if not parts_a or not parts_b:
        return out
    ga, gb = [p.geom for p in parts_a], [p.geom for p in parts_b]
    ba, bb = shapely.bounds(ga), shapely.bounds(gb)
    pa_xy = shapely.get_coordinates(shapely.point_on_surface(ga))
    pb_xy = shapely.get_coordinates(shapely.point_on_surface(gb))
    for i, pa in enumerate(parts_a):
        near = np.flatnonzero(
            (bb[:, 0] <= ba[i, 2]) & (bb[:, 2] >= ba[i, 0])
            & (bb[:, 1] <= ba[i, 3]) & (bb[:, 3] >= ba[i, 1])
        )
        for j in near.tolist():
            pb = parts_b[j]
            limit = min(0.01, 0.01 * min(pa.area_km2, pb.area_km2))
            if (
                shapely.equals_exact(pa.geom, pb.geom, 0.0)
                or (
                    shapely.contains_xy(pb.geom, *pa_xy[i])
                    and shapely.contains_xy(pa.geom, *pb_xy[j])
                )
                or _overlap_km2(pa.geom, pb.geom) > limit
            ):
                out[i].append(j)
    return out


def _parts_events(
    fid: str, before: list[Part], after: list[Part], prev: Snapshot, cur: Snapshot
) -> list[SeriesEvent]:
    if not before and not after:
        return []
    forward, backward = _overlaps(before, after), _overlaps(after, before)
    nb, na = len(before), len(after)
    out: list[SeriesEvent] = []

    def ev(kind: str, km2: float, main: bool = False, pieces: int = 0) -> None:
        out.append(SeriesEvent(cur.date, prev.date, kind, fid, km2, nb, na, main, pieces))

    appeared: list[int] = []
    for i, hits in forward.items():
        if len(hits) >= 2:
            pieces = sorted((after[j].area_km2 for j in hits), reverse=True)
            ev("split", sum(pieces[1:]), i == 0, len(hits))
            appeared.extend(sorted(hits, key=lambda j: -after[j].area_km2)[1:])
        elif not hits:
            ev("pocket_lost", before[i].area_km2, i == 0)
    for j, hits in backward.items():
        if len(hits) >= 2:
            joined = sorted((before[i].area_km2 for i in hits), reverse=True)
            ev("merge", sum(joined[1:]), pieces=len(hits))
        elif not hits and j > 0:
            ev("new_pocket", after[j].area_km2)
            appeared.append(j)
    if len(cur.territories) > 1:
        for j in sorted(set(appeared)):
            if j > 0 and _encircled(after[j], fid, cur.territories)[0]:
                ev("encircled", after[j].area_km2)
    return out


def area_series(
    snapshots: Iterable[Snapshot],
    min_part_km2: float = 1.0,
    order: list[str] | None = None,
    events: bool = True,
) -> AreaSeries:
    """Area and parts of every faction on every date, and the topology events
    between consecutive dates (when ``events``). Streams the snapshots."""
    s = AreaSeries()
    prev: Snapshot | None = None
    prev_parts: dict[str, list[Part]] = {}
    for snap in snapshots:
        i = len(s.dates)
        s.dates.append(snap.date)
        rows = areas([snap], min_part_km2)
        s.rows.extend(rows)
        s.contested.append(0.0)
        for f in s.factions:
            s.areas[f].append(0.0)
            s.parts[f].append(0)
        for r in rows:
            if r.faction == CONTESTED:
                s.contested[i] = r.area_km2
                continue
            if r.faction not in s.areas:
                s.factions.append(r.faction)
                s.areas[r.faction] = [0.0] * (i + 1)
                s.parts[r.faction] = [0] * (i + 1)
            s.areas[r.faction][i] = r.area_km2
            s.parts[r.faction][i] = r.parts
        if events:
            cur_parts = {
                f: faction_parts(g, min_part_km2) for f, g in snap.territories.items()
            }
            if prev is not None:
                for f in dict.fromkeys([*prev_parts, *cur_parts]):
                    s.events.extend(
                        _parts_events(f, prev_parts.get(f, []), cur_parts.get(f, []), prev, snap)
                    )
            prev, prev_parts = snap, cur_parts
    if order:
        s = s.ordered(order)
    return s
