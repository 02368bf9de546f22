"""Change analysis on hand-made shapes; expected values computed here with pyproj."""

import datetime as dt

import numpy as np
import pytest
import shapely

from frontmap.analysis.change import diff
from frontmap.analysis.timeline import timeline
from frontmap.analysis.topology import describe_parts
from frontmap.read.model import Place, Snapshot

from .conftest import GEOD, rel, ring_km2

D1, D2 = dt.date(2017, 1, 9), dt.date(2017, 1, 16)


def ring(*pts):
    pts = [list(p) for p in pts]
    return pts + [pts[0]]


def poly(shell, *holes):
    return shapely.Polygon(shell, list(holes))


def snap(date, **territories):
    return Snapshot(date, territories)


# A government enclave at Deir ez-Zour (two cells, city and airport, with a
# corridor cell between them), encircled by IS; the main government body far west.
XS = [40.00, 40.10, 40.15, 40.30]
Y0, Y1 = 35.20, 35.40


def cell(x0, x1):
    # every cell carries every grid vertex on its edges, as a real partition would
    top = [[x, Y1] for x in reversed(XS) if x0 <= x <= x1]
    bottom = [[x, Y0] for x in XS if x0 <= x <= x1]
    return bottom + top + [bottom[0]]


CITY, CORRIDOR, AIRPORT, ENCLAVE = (
    cell(40.0, 40.1),
    cell(40.1, 40.15),
    cell(40.15, 40.3),
    cell(40.0, 40.3),
)
# (vertices at 40.15E on the long edges: they share every edge with the IS territory
# of the encirclement test, whose edges end there; a geodesic from 39.5E to 40.8E
# is not the one from 39.5E to 40.15E, see frontmap.read.densify.refine_crossings)
SIEGE = ring((39.5, 34.8), (40.15, 34.8), (40.8, 34.8), (40.8, 35.8), (40.15, 35.8),
             (39.5, 35.8))
MAIN = ring((36.0, 33.5), (37.2, 33.5), (37.2, 35.5), (36.0, 35.5))


def test_split_by_corridor():
    before = snap(
        D1, SAA=shapely.MultiPolygon([poly(MAIN), poly(ENCLAVE)]), IS=poly(SIEGE, ENCLAVE)
    )
    after = snap(
        D2,
        SAA=shapely.MultiPolygon([poly(MAIN), poly(CITY), poly(AIRPORT)]),
        IS=poly(SIEGE, CITY, AIRPORT),
    )
    places = [Place("Deir ez-Zour", 40.05, 35.33), Place("Palmyra", 38.27, 34.55)]
    d = diff(before, after, places=places)
    corridor = ring_km2(CORRIDOR)
    (split,) = [e for e in d.events if e.type == "split"]
    assert split.faction == "SAA" and split.details["by"] == ["IS"]
    assert split.details["parts_before"] == 1 and split.details["parts_after"] == 2
    assert rel(split.details["corridor_km2"], corridor) < 1e-6
    areas = split.details["part_areas_km2"]
    assert rel(areas[0], ring_km2(AIRPORT)) < 1e-6 and rel(areas[1], ring_km2(CITY)) < 1e-6
    assert split.details["near"] == "Deir ez-Zour"
    assert [(t.from_holder, t.to_holder) for t in d.transfers] == [("SAA", "IS")]
    assert rel(d.transfers[0].area_km2, corridor) < 1e-6
    saa, is_ = d.faction("SAA"), d.faction("IS")
    assert rel(saa.lost_km2, corridor) < 1e-6 and saa.gained_km2 == pytest.approx(0, abs=1e-9)
    assert rel(is_.gained_km2, corridor) < 1e-6
    assert (saa.parts_from, saa.parts_to) == (2, 3)
    assert rel(saa.area_from_km2, ring_km2(MAIN) + ring_km2(ENCLAVE)) < 1e-6
    # the city and airport pockets were encircled before and after: no "encircled" event
    assert not [e for e in d.events if e.type == "encircled"]


def _nearest_geodesic_km(ring_a, ring_b, step=0.002):
    """Brute force: the shortest Geod.inv distance between densely sampled boundaries."""

    def sample(r):
        pts = []
        for (x0, y0), (x1, y1) in zip(r[:-1], r[1:], strict=True):
            n = max(2, int(max(abs(x1 - x0), abs(y1 - y0)) / step))
            t = np.linspace(0, 1, n, endpoint=False)
            pts.append(np.column_stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]))
        return np.vstack(pts)

    a, b = sample(ring_a), sample(ring_b)
    best = np.inf
    for x, y in b:
        _, _, dist = GEOD.inv(np.full(len(a), x), np.full(len(a), y), a[:, 0], a[:, 1])
        best = min(best, float(np.min(dist)))
    return best / 1000


def test_pocket_encircled_at_known_distance():
    # FROM: the pocket borders unassigned desert to the east; TO: IS closes the ring
    pocket = ring((40.0, 35.2), (40.15, 35.2), (40.15, 35.4), (40.0, 35.4))
    west_hole = ring((40.0, 35.2), (40.15, 35.2), (40.15, 35.4), (40.0, 35.4))
    before = snap(
        D1,
        SAA=shapely.MultiPolygon([poly(MAIN), poly(pocket)]),
        IS=shapely.Polygon(
            ring(
                (39.5, 34.8),
                (40.15, 34.8),
                (40.15, 35.2),
                (40.0, 35.2),
                (40.0, 35.4),
                (40.15, 35.4),
                (40.15, 35.8),
                (39.5, 35.8),
            )
        ),
    )
    after = snap(
        D2, SAA=shapely.MultiPolygon([poly(MAIN), poly(pocket)]), IS=poly(SIEGE, west_hole)
    )
    d = diff(before, after)
    (enc,) = [e for e in d.events if e.type == "encircled"]
    assert enc.faction == "SAA" and enc.details["by"] == ["IS"]
    assert rel(enc.details["area_km2"], ring_km2(pocket)) < 1e-6
    # the IS gain (the east side) came from unassigned ground
    assert [(t.from_holder, t.to_holder) for t in d.transfers] == [("unassigned", "IS")]

    parts = describe_parts(after, "SAA").parts
    assert [p.main for p in parts] == [True, False]
    pocket_info = parts[1]
    assert pocket_info.encircled_by == ["IS"]
    expected = _nearest_geodesic_km(MAIN, pocket)
    assert abs(pocket_info.distance_to_main_km - expected) / expected < 5e-3
    # its whole border is with IS: 2 x (0.15° east-west + 0.2° north-south) at 35.3°N
    _, _, ew_s = GEOD.inv(40.0, 35.2, 40.15, 35.2)
    _, _, ew_n = GEOD.inv(40.0, 35.4, 40.15, 35.4)
    _, _, ns = GEOD.inv(40.0, 35.2, 40.0, 35.4)
    assert pocket_info.border_km == pytest.approx({"IS": (ew_s + ew_n + 2 * ns) / 1000}, rel=1e-3)
    before_parts = describe_parts(before, "SAA").parts
    assert before_parts[1].encircled_by == [] and "unassigned" in before_parts[1].border_km


def test_pocket_eliminated():
    before = snap(
        D1, SAA=shapely.MultiPolygon([poly(MAIN), poly(ENCLAVE)]), IS=poly(SIEGE, ENCLAVE)
    )
    after = snap(D2, SAA=poly(MAIN), IS=poly(SIEGE))
    d = diff(before, after)
    (lost,) = [e for e in d.events if e.type == "pocket_lost"]
    assert lost.faction == "SAA" and lost.details["to"] == ["IS"]
    assert rel(lost.details["area_km2"], ring_km2(ENCLAVE)) < 1e-6
    assert rel(d.faction("SAA").lost_km2, ring_km2(ENCLAVE)) < 1e-6


def test_two_parts_merge_when_the_siege_is_broken():
    west = ring((38.0, 35.0), (39.0, 35.0), (39.0, 36.0), (38.0, 36.0))
    gap = ring((39.0, 35.0), (39.1, 35.0), (39.1, 36.0), (39.0, 36.0))
    east = ring((39.1, 35.0), (40.0, 35.0), (40.0, 36.0), (39.1, 36.0))
    before = snap(D1, SAA=shapely.MultiPolygon([poly(west), poly(east)]), IS=poly(gap))
    after = snap(D2, SAA=shapely.union_all([poly(west), poly(gap), poly(east)]))
    d = diff(before, after)
    (merge,) = [e for e in d.events if e.type == "merge"]
    assert merge.details["parts_before"] == 2 and merge.details["parts_after"] == 1
    assert rel(merge.details["corridor_km2"], ring_km2(gap)) < 1e-6
    (lost,) = [e for e in d.events if e.type == "pocket_lost"]
    assert lost.faction == "IS" and lost.details["to"] == ["SAA"]


def test_contested_ground_moves_to_one_side():
    a = ring((38.0, 35.0), (39.0, 35.0), (39.5, 35.0), (39.5, 36.0), (39.0, 36.0), (38.0, 36.0))
    b = ring((39.0, 35.0), (39.5, 35.0), (40.0, 35.0), (40.0, 36.0), (39.5, 36.0), (39.0, 36.0))
    overlap = ring((39.0, 35.0), (39.5, 35.0), (39.5, 36.0), (39.0, 36.0))
    b_only = ring((39.5, 35.0), (40.0, 35.0), (40.0, 36.0), (39.5, 36.0))
    a_only = ring((38.0, 35.0), (39.0, 35.0), (39.0, 36.0), (38.0, 36.0))
    before = snap(D1, SAA=poly(a), SDF=poly(b))
    after = snap(D2, SAA=poly(a_only), SDF=poly(b))
    d = diff(before, after)
    km2 = ring_km2(overlap)
    assert [(t.from_holder, t.to_holder) for t in d.transfers] == [("contested", "SDF")]
    assert rel(d.transfers[0].area_km2, km2) < 1e-6
    assert rel(d.holders_from["contested"], km2) < 1e-6 and "contested" not in d.holders_to
    saa, sdf = d.faction("SAA"), d.faction("SDF")
    assert rel(saa.lost_km2, km2) < 1e-6 and saa.gained_km2 == pytest.approx(0, abs=1e-9)
    assert sdf.gained_km2 == pytest.approx(0, abs=1e-9) and sdf.net_km2 == pytest.approx(
        0, abs=1e-9
    )
    assert rel(d.holders_to["SDF"] - d.holders_from["SDF"], km2) < 1e-6
    assert rel(d.holders_from["SDF"], ring_km2(b_only)) < 1e-6


def test_ground_taken_from_unassigned_and_clip():
    a = ring((38.0, 35.0), (39.0, 35.0), (39.0, 36.0), (38.0, 36.0))
    b = ring((39.0, 35.0), (40.0, 35.0), (40.0, 36.0), (39.0, 36.0))
    ab = ring((38.0, 35.0), (39.0, 35.0), (40.0, 35.0), (40.0, 36.0), (39.0, 36.0), (38.0, 36.0))
    d = diff(snap(D1, IS=poly(a)), snap(D2, IS=poly(ab)))
    assert [(t.from_holder, t.to_holder) for t in d.transfers] == [("unassigned", "IS")]
    assert rel(d.transfers[0].area_km2, ring_km2(b)) < 1e-6
    assert rel(d.aoi_km2, ring_km2(ab)) < 1e-6
    # with a clip outline the area of interest is the outline
    outline = ring(
        (37.0, 35.0),
        (38.0, 35.0),
        (39.0, 35.0),
        (40.0, 35.0),
        (40.0, 36.0),
        (39.0, 36.0),
        (38.0, 36.0),
        (37.0, 36.0),
    )
    d = diff(snap(D1, IS=poly(a)), snap(D2, IS=poly(ab)), clip=poly(outline))
    assert rel(d.aoi_km2, ring_km2(outline)) < 1e-6
    assert rel(d.holders_to["unassigned"], ring_km2(outline) - ring_km2(ab)) < 1e-6


def test_transfers_that_do_not_add_up_are_overlaid_again_on_the_grid(monkeypatch):
    # GEOS's floating-point overlay can return a phantom piece where edges nearly
    # coincide: here one is put on the second date, contested ground over half of what
    # IS took. The pieces of what the unassigned ground lost then add up to more than
    # it; the overlay is done again snap-rounded, where no phantom is put
    from frontmap.analysis import holders as change

    a = ring((38.0, 35.0), (39.0, 35.0), (39.0, 36.0), (38.0, 36.0))
    b = ring((39.0, 35.0), (40.0, 35.0), (40.0, 36.0), (39.0, 36.0))
    ab = ring((38.0, 35.0), (39.0, 35.0), (40.0, 35.0), (40.0, 36.0), (39.0, 36.0), (38.0, 36.0))
    b_top = ring((39.0, 35.5), (40.0, 35.5), (40.0, 36.0), (39.0, 36.0))
    real, grids = change.holders, []

    def phantom_holders(territories, aoi, grid=None):
        out = real(territories, aoi, grid)
        grids.append(grid)
        if grid is None and "IS" in territories and territories["IS"].area > 1.5:
            out[change.CONTESTED] = poly(b_top)
        return out

    monkeypatch.setattr(change, "holders", phantom_holders)
    # the pieces of a holder that do not add up are told apart from round-off
    h_from = real({"IS": poly(a)}, poly(ab))
    assert change._transfers(h_from, phantom_holders({"IS": poly(ab)}, poly(ab)))[2] > 1000
    assert change._transfers(h_from, real({"IS": poly(ab)}, poly(ab)))[2] <= 1e-6
    grids.clear()
    d = diff(snap(D1, IS=poly(a)), snap(D2, IS=poly(ab)))
    assert None in grids and change.GRID in grids  # floating point first, then the grid
    assert [(t.from_holder, t.to_holder) for t in d.transfers] == [("unassigned", "IS")]
    assert rel(d.transfers[0].area_km2, ring_km2(b)) < 1e-6
    assert set(d.matrix) == {("unassigned", "IS")}


def test_front_lines_between_neighbours():
    a = ring((38.0, 35.0), (39.0, 35.0), (39.0, 36.0), (38.0, 36.0))
    b = ring((39.0, 35.0), (40.0, 35.0), (40.0, 36.0), (39.0, 36.0))
    b2 = ring((39.0, 35.0), (40.0, 35.0), (40.0, 35.5), (39.0, 35.5))
    d = diff(snap(D1, IS=poly(a), SAA=poly(b)), snap(D2, IS=poly(a), SAA=poly(b2)))
    (fl,) = d.front_lines
    _, _, full = GEOD.inv(39.0, 35.0, 39.0, 36.0)
    _, _, half = GEOD.inv(39.0, 35.0, 39.0, 35.5)
    assert fl.factions == ("IS", "SAA")
    # shared border counts lines within 50 m: allow that much at each end
    assert fl.length_from_km == pytest.approx(full / 1000, abs=0.12)
    assert fl.length_to_km == pytest.approx(half / 1000, abs=0.12)


def test_identical_snapshots_change_nothing():
    s = snap(D1, SAA=shapely.MultiPolygon([poly(MAIN), poly(ENCLAVE)]), IS=poly(SIEGE, ENCLAVE))
    d = diff(s, Snapshot(D2, dict(s.territories)))
    assert d.transfers == [] and d.events == []
    assert all(f.gained_km2 == 0 and f.lost_km2 == 0 for f in d.factions)


def test_timeline_rows():
    s1 = snap(D1, SAA=shapely.MultiPolygon([poly(MAIN), poly(ENCLAVE)]), IS=poly(SIEGE, ENCLAVE))
    s2 = snap(
        D2,
        SAA=shapely.MultiPolygon([poly(MAIN), poly(CITY), poly(AIRPORT)]),
        IS=poly(SIEGE, CITY, AIRPORT),
    )
    s3 = snap(dt.date(2017, 1, 20), IS=poly(SIEGE))
    rows = list(timeline([s1, s2, s3]))
    assert [(r.date_from, r.faction) for r in rows] == [
        (D1, "SAA"),
        (D1, "IS"),
        (D2, "SAA"),
        (D2, "IS"),
    ]
    assert rel(rows[0].lost_km2, ring_km2(CORRIDOR)) < 1e-6
    assert rel(rows[1].gained_km2, ring_km2(CORRIDOR)) < 1e-6
    assert (rows[0].parts_from, rows[0].parts_to) == (2, 3)
    last = rows[2]
    assert last.area_to_km2 == 0 and last.parts_to == 0
    assert rel(last.lost_km2, last.area_from_km2) < 1e-12
