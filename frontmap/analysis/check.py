"""The validation report of ``frontmap check`` (analysis over what reading found).

Besides what reading reported (repairs, errors, warnings per file) and the
overlaps between factions, ``check`` looks for data that is well-formed but
suspicious, with pure functions over snapshots:

* :func:`stray_parts`: a part of a faction's territory on one date that lies
  far (``max_km``) from that faction's territory on every other date: swapped
  lon/lat, a wrong CRS, a polygon filed under the wrong faction or date;
* :func:`area_jumps`: a snapshot whose total area changes by more than
  ``max_pct`` percent from the previous date: a missing or duplicated file, a
  layer filed under the wrong date;
* :func:`tiny_territory`: a date whose whole territory measures under 1 km²
  while its files span a large extent (a CRS or units that do not fit).

It also says how much ground a clip removed per faction and date
(:func:`clip_cuts`), and fails when no polygon was used at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import shapely

from ..read.model import Duplicate, FileReport, Layers, Note, Snapshot
from .geodesy import GEOD, area_km2, distance_km
from .measure import Overlap, overlaps, parts_of

__all__ = [
    "CheckReport",
    "Suspicion",
    "check_layers",
    "render_check",
    "stray_parts",
    "area_jumps",
    "tiny_territory",
    "clip_cuts",
    "ClipCut",
    "DEFAULT_MAX_STRAY_KM",
    "DEFAULT_MAX_JUMP_PCT",
]

#: a part farther than this (km) from its faction's territory on every other date is suspicious
DEFAULT_MAX_STRAY_KM = 100.0
#: a total area changing by more than this (percent) between consecutive dates is suspicious
DEFAULT_MAX_JUMP_PCT = 20.0


@dataclass(frozen=True)
class Suspicion:
    """Something in well-formed data that looks wrong (a warning of ``check``)."""

    kind: str  # "stray-part" or "area-jump"
    date: dt.date
    faction: str | None
    message: str
    files: tuple[str, ...] = ()

    def note(self) -> Note:
        return Note(_files_label(self.files), None, self.message)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "date": self.date.isoformat(),
            "faction": self.faction,
            "files": list(self.files),
            "message": self.message,
        }


def _files_label(files) -> str:
    files = sorted(set(files))
    if not files:
        return "(layers)"
    if len(files) <= 3:
        return ", ".join(files)
    return f"{', '.join(files[:2])} and {len(files) - 2} more file(s)"


def _approx_km(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """An upper bound of the geodesic distance between two disjoint geometries:
    the geodesic length of their planar (lon/lat) shortest line."""
    (x1, y1), (x2, y2) = shapely.shortest_line(a, b).coords
    return GEOD.inv(x1, y1, x2, y2)[2] / 1000


def _swap(g: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(g, lambda xy: xy[:, ::-1])


def stray_parts(
    snapshots: Iterable[Snapshot],
    max_km: float = DEFAULT_MAX_STRAY_KM,
    min_part_km2: float = 1.0,
) -> list[Suspicion]:
    """Parts of a faction's territory that lie more than ``max_km`` from that
    faction's territory on every other date.

    A faction found on one date only is not judged. Parts smaller than
    ``min_part_km2`` are ignored. Distances are geodesic km.
    """
    snaps = sorted(snapshots, key=lambda s: s.date)
    by_faction: dict[str, list[tuple[Snapshot, shapely.Geometry]]] = {}
    for snap in snaps:
        for fid, geom in snap.territories.items():
            if geom is not None and not geom.is_empty:
                by_faction.setdefault(fid, []).append((snap, geom))
    found = []
    for fid, seq in by_faction.items():
        if len(seq) < 2:
            continue
        for i, (snap, geom) in enumerate(seq):
            # other dates, nearest in time first: a normal part meets the next date at once
            others = sorted((j for j in range(len(seq)) if j != i), key=lambda j: (abs(j - i), j))
            for part, km2 in parts_of(geom, min_part_km2):
                nearest, best = None, math.inf
                for j in others:
                    other = seq[j][1]
                    if shapely.intersects(part, other):
                        best = 0.0
                        break
                    d = _approx_km(part, other)
                    if d < best:
                        nearest, best = j, d
                    if d <= max_km:
                        break
                if best <= max_km:
                    continue
                assert nearest is not None  # best > max_km >= 0: some date was measured
                exact = distance_km(part, seq[nearest][1])
                if not exact > max_km:
                    continue
                found.append(_stray(fid, snap, part, km2, exact, seq, nearest, max_km))
    found.sort(key=lambda s: (s.date, s.faction or "", s.message))
    return found


def _stray(fid, snap, part, km2, km, seq, nearest, max_km) -> Suspicion:
    pt = part.representative_point()
    other_snap, other = seq[nearest]
    hint = "a stray polygon, or one filed under the wrong faction or date?"
    swapped = _swap(part)
    if shapely.intersects(swapped, other) or _approx_km(swapped, other) <= max_km:
        hint = "its coordinates look swapped (lat, lon): with lon and lat exchanged it fits"
    message = (
        f"{fid} on {snap.date.isoformat()}: a part of {km2:,.0f} km² around "
        f"({pt.x:.4f}, {pt.y:.4f}) lies {km:,.0f} km from {fid}'s territory on every other "
        f"date (nearest: {other_snap.date.isoformat()}); {hint} "
        f"(threshold --max-stray-km {max_km:g})"
    )
    return Suspicion("stray-part", snap.date, fid, message, tuple(snap.sources))


def area_jumps(
    snapshots: Iterable[Snapshot], max_pct: float = DEFAULT_MAX_JUMP_PCT
) -> list[Suspicion]:
    """Dates whose total area (the sum over factions, geodesic km²) differs from
    the previous date's by more than ``max_pct`` percent."""
    snaps = sorted(snapshots, key=lambda s: s.date)
    totals = [{fid: area_km2(g) for fid, g in s.territories.items()} for s in snaps]
    found = []
    for k in range(1, len(snaps)):
        before, after = totals[k - 1], totals[k]
        a0, a1 = sum(before.values()), sum(after.values())
        if a0 <= 0:
            continue
        pct = (a1 - a0) / a0 * 100
        if abs(pct) <= max_pct:
            continue
        changes = {f: after.get(f, 0.0) - before.get(f, 0.0) for f in set(before) | set(after)}
        top = max(sorted(changes), key=lambda f: abs(changes[f]))
        what = (
            "missing"
            if top not in after
            else "new"
            if top not in before
            else f"{changes[top]:+,.0f} km²"
        )
        d0, d1 = snaps[k - 1].date.isoformat(), snaps[k].date.isoformat()
        message = (
            f"total area {a0:,.0f} km² on {d0} -> {a1:,.0f} km² on {d1} ({pct:+.1f}%); "
            f"largest change: {top} ({what}); a missing, extra or misdated file? "
            f"(threshold --max-jump-pct {max_pct:g})"
        )
        found.append(Suspicion("area-jump", snaps[k].date, None, message, tuple(snaps[k].sources)))
    return found


#: a territory under this many km² is "tiny" (:func:`tiny_territory`)
TINY_KM2 = 1.0


def tiny_territory(snapshots: Iterable[Snapshot], files: dict[str, FileReport]) -> list[Suspicion]:
    """Dates whose whole territory is under :data:`TINY_KM2` while the files it
    comes from span at least one unit (a degree, or a metre) in their own
    coordinates: degrees read as metres, or kilometres as metres."""
    found = []
    for snap in sorted(snapshots, key=lambda s: s.date):
        total = sum(area_km2(g) for g in snap.territories.values())
        if total >= TINY_KM2:
            continue
        spans = [
            (name, f.raw_extent)
            for name in snap.sources
            if (f := files.get(name)) is not None and f.raw_extent is not None
            and max(f.raw_extent[2] - f.raw_extent[0], f.raw_extent[3] - f.raw_extent[1]) >= 1
        ]
        if not spans:
            continue
        name, b = spans[0]
        message = (
            f"all territory on {snap.date.isoformat()} measures {total:.3g} km², while {name} "
            f"spans x {b[0]:.6g}..{b[2]:.6g}, y {b[1]:.6g}..{b[3]:.6g} in its own coordinates: "
            "the CRS or the units of the coordinates are probably wrong (--crs CRS overrides "
            "what files declare)"
        )
        found.append(Suspicion("tiny-territory", snap.date, None, message, tuple(snap.sources)))
    return found


@dataclass(frozen=True)
class ClipCut:
    """How much of a faction's territory on one date the clip outline removed."""

    date: dt.date
    faction: str
    area_km2: float  # before clipping
    removed_km2: float

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "faction": self.faction,
            "area_km2": self.area_km2,
            "removed_km2": self.removed_km2,
        }


def clip_cuts(layers: Layers) -> list[ClipCut]:
    """Per date and faction, the geodesic km² that ``--clip`` removed (``layers``
    read with ``keep_unclipped``)."""
    out = []
    for d in sorted(layers.unclipped):
        clipped = layers.snapshots[d].territories if d in layers.snapshots else {}
        for fid, whole in layers.unclipped[d].items():
            before = area_km2(whole)
            after = area_km2(clipped.get(fid))
            out.append(ClipCut(d, fid, before, max(before - after, 0.0)))
    return out


@dataclass
class CheckReport:
    files: list[FileReport]
    overlaps: list[Overlap]
    dataset_errors: list[Note] = field(default_factory=list)
    dataset_warnings: list[Note] = field(default_factory=list)
    #: suspicious data (also among ``dataset_warnings``, as notes)
    suspicious: list[Suspicion] = field(default_factory=list)
    dataset_notes: list[Note] = field(default_factory=list)
    #: (date, faction) pairs given by several files, merged
    duplicates: list[Duplicate] = field(default_factory=list)
    #: ground the clip removed (with --clip)
    clipped: list[ClipCut] = field(default_factory=list)
    clip_file: str | None = None

    @property
    def errors(self) -> list[Note]:
        return [e for f in self.files for e in f.errors] + self.dataset_errors

    @property
    def warnings(self) -> list[Note]:
        return [w for f in self.files for w in f.warnings] + self.dataset_warnings

    @property
    def repairs(self) -> list[Note]:
        return [r for f in self.files for r in f.repairs]

    def totals(self) -> dict:
        skipped: Counter = Counter()
        for f in self.files:
            skipped.update(f.skipped)
        return {
            "files": len(self.files),
            "features": sum(f.features for f in self.files),
            "polygons": sum(f.polygons for f in self.files),
            "used": sum(f.used for f in self.files),
            "skipped": dict(sorted(skipped.items())),
            "unmatched": skipped.get("unmatched", 0),
            "repaired": len(self.repairs),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def as_dict(self) -> dict:
        return {
            "ok": not self.errors,
            "totals": self.totals(),
            "files": [f.as_dict() for f in self.files],
            "overlaps": [
                {"date": o.date.isoformat(), "factions": [o.a, o.b], "area_km2": o.area_km2}
                for o in self.overlaps
            ],
            "errors": [n.as_dict() for n in self.dataset_errors],
            "warnings": [n.as_dict() for n in self.dataset_warnings],
            "notes": [n.as_dict() for n in self.dataset_notes],
            "suspicious": [s.as_dict() for s in self.suspicious],
            "duplicates": [d.as_dict() for d in self.duplicates],
            "clipped": [c.as_dict() for c in self.clipped],
        }


def check_layers(
    layers: Layers,
    max_jump_pct: float | None = DEFAULT_MAX_JUMP_PCT,
    max_stray_km: float | None = DEFAULT_MAX_STRAY_KM,
    min_part_km2: float = 1.0,
) -> CheckReport:
    """Collect the per-file reports, measure overlaps between factions and look
    for suspicious data (``None`` turns a test off)."""
    found = []
    snaps = list(layers.snapshots.values())
    for snap in snaps:
        found.extend(overlaps(snap))
    suspicious = []
    if max_stray_km is not None:
        suspicious += stray_parts(snaps, max_stray_km, min_part_km2)
    if max_jump_pct is not None:
        suspicious += area_jumps(snaps, max_jump_pct)
    suspicious += tiny_territory(snaps, {f.file: f for f in layers.report.files})
    warnings = list(layers.report.warnings) + [s.note() for s in suspicious]
    errors = list(layers.report.errors)
    if not any(s.territories for s in snaps) and not layers.report.all_errors:
        errors.append(layers.report.no_territory(layers.root))
    return CheckReport(
        files=list(layers.report.files),
        overlaps=found,
        dataset_errors=errors,
        dataset_warnings=warnings,
        suspicious=suspicious,
        dataset_notes=list(layers.report.notes),
        duplicates=list(layers.report.duplicates),
        clipped=clip_cuts(layers),
    )


def render_check(report: CheckReport) -> str:
    lines = []
    for f in report.files:
        head = f"{f.file}: {f.features} feature(s), {f.used} used"
        if f.skipped:
            head += ", skipped " + ", ".join(f"{n} {k}" for k, n in sorted(f.skipped.items()))
        if f.repairs:
            head += f", {len(f.repairs)} repaired"
        if f.errors:
            head += f", {len(f.errors)} ERROR(S)"
        lines.append(head)
        for n in f.notes:
            lines.append(f"  note {_where(n)}{n.message}")
        for n in f.repairs:
            lines.append(f"  repaired {_where(n)}{n.message}")
        for n in f.warnings:
            lines.append(f"  warning {_where(n)}{n.message}")
        for n in f.errors:
            lines.append(f"  error {_where(n)}{n.message}")
    if report.overlaps:
        lines.append("")
        lines.append("Overlaps between factions (contested ground):")
        for o in report.overlaps:
            lines.append(f"  {o.date.isoformat()}  {o.a} / {o.b}: {o.area_km2:,.2f} km²")
    if report.duplicates:
        lines.append("")
        lines.append(
            "Same faction, same date, several files (their union is used; --latest reads "
            "only the newest when the names carry a time of day):"
        )
        for dup in report.duplicates:
            lines.append(f"  {dup.date.isoformat()}  {dup.faction}: {', '.join(dup.files)}")
    if report.clipped:
        lines.append("")
        lines.append("Ground the clip removed (geodesic km² of each territory before clipping):")
        for c in report.clipped:
            pct = c.removed_km2 / c.area_km2 * 100 if c.area_km2 > 0 else 0.0
            lines.append(
                f"  {c.date.isoformat()}  {c.faction}: {c.removed_km2:,.2f} of "
                f"{c.area_km2:,.2f} km² ({pct:.2f}%)"
            )
    if report.dataset_warnings or report.dataset_errors or report.dataset_notes:
        lines.append("")
    for n in report.dataset_notes:
        lines.append(f"note: {n}")
    for n in report.dataset_warnings:
        lines.append(f"warning: {n}")
    for n in report.dataset_errors:
        lines.append(f"error: {n}")
    t = report.totals()
    lines.append("")
    skipped = sum(t["skipped"].values())
    lines.append(
        f"{t['files']} file(s), {t['features']} feature(s) ({t['polygons']} polygons): "
        f"{t['used']} used, {skipped} skipped"
        + (f" ({t['unmatched']} unmatched by any faction rule)" if t["unmatched"] else "")
        + f", {t['repaired']} repair(s), {t['warnings']} warning(s), {t['errors']} error(s)"
    )
    lines.append("OK" if not report.errors else "FAILED: the layers have errors")
    return "\n".join(lines) + "\n"


def _where(n: Note) -> str:
    return "" if n.feature is None else f"feature {n.feature}: "
