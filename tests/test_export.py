"""The change as geometry (GeoJSON): RFC 7946, the diff's own numbers, ids, simplify.

Areas and lengths of what is exported are measured here with pyproj.Geod,
independently of frontmap, and compared with the numbers of the diff.
"""

from __future__ import annotations

import csv
import json
import math

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.cli import main
from frontmap.render import export_diff

from .conftest import GEOD, ROOT, ring_km2

SYRIA = ("syria-control-2024-12", "2024-12-03", "2024-12-05", {"faction_field": "layer"})
#: how far rounding to 1e-6 degrees can move a vertex: half the cell's diagonal, in km
ROUNDING_KM = 0.5e-6 * math.sqrt(2) * 111.32 * 1.0005


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------------------
# an RFC 7946 validator, written for these tests


def _position(p, where):
    assert isinstance(p, list) and len(p) in (2, 3), (where, p)
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p), (where, p)
    assert all(math.isfinite(v) for v in p), (where, p)
    lon, lat = p[0], p[1]
    assert -180 <= lon <= 180 and -90 <= lat <= 90, (where, p)  # lon/lat order


def _signed_area(ring) -> float:
    """Planar shoelace area in lon/lat: > 0 for a counter-clockwise ring (about the
    first vertex, so that thin slivers far from (0, 0) keep their sign)."""
    ox, oy = ring[0][0], ring[0][1]
    pts = [(p[0] - ox, p[1] - oy) for p in ring]
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True)) / 2


def _linear_ring(r, where, exterior: bool):
    assert isinstance(r, list) and len(r) >= 4, (where, "a linear ring needs 4 positions")
    for p in r:
        _position(p, where)
    assert r[0] == r[-1], (where, "a linear ring is closed")
    area = _signed_area(r)
    # the right-hand rule (section 3.1.6): exteriors counter-clockwise, holes clockwise
    assert (area > 0) if exterior else (area < 0), (where, "right-hand rule", area)


def _geometry(g, where):
    if g is None:
        return
    assert isinstance(g, dict), where
    assert "crs" not in g, (where, "RFC 7946 has no crs member")
    t = g.get("type")
    if t == "GeometryCollection":
        assert isinstance(g.get("geometries"), list)
        for sub in g["geometries"]:
            _geometry(sub, where)
        return
    c = g.get("coordinates")
    assert isinstance(c, list), (where, t)
    if t == "Point":
        _position(c, where)
    elif t in ("MultiPoint", "LineString"):
        for p in c:
            _position(p, where)
        assert t == "MultiPoint" or len(c) >= 2, where
    elif t == "MultiLineString":
        for line in c:
            assert isinstance(line, list) and len(line) >= 2, where
            for p in line:
                _position(p, where)
    elif t == "Polygon":
        for i, r in enumerate(c):
            _linear_ring(r, where, i == 0)
    elif t == "MultiPolygon":
        for poly in c:
            assert isinstance(poly, list) and poly, where
            for i, r in enumerate(poly):
                _linear_ring(r, where, i == 0)
    else:
        raise AssertionError((where, f"unknown geometry type {t!r}"))


def validate_rfc7946(doc) -> None:
    """Raise AssertionError unless ``doc`` is an RFC 7946 FeatureCollection."""
    assert doc.get("type") == "FeatureCollection"
    assert "crs" not in doc, "RFC 7946 has no crs member"
    assert isinstance(doc.get("features"), list)
    for i, f in enumerate(doc["features"]):
        assert f.get("type") == "Feature", i
        assert "crs" not in f, i
        assert "geometry" in f and "properties" in f, i
        assert f["properties"] is None or isinstance(f["properties"], dict), i
        if "id" in f:
            assert isinstance(f["id"], (str, int, float)) and not isinstance(f["id"], bool), i
        _geometry(f["geometry"], f.get("id", i))


def test_the_validator_can_fail():
    good = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    validate_rfc7946({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a", "properties": {}, "geometry": good}]})
    bad = [
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 0]]]},  # clockwise
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},  # not closed
        {"type": "Polygon", "coordinates": [[[36, 200], [37, 200], [37, 201], [36, 200]]]},
        {"type": "Polygon", "crs": {}, "coordinates": good["coordinates"]},
    ]
    for g in bad:
        with pytest.raises(AssertionError):
            validate_rfc7946({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": g}]})
    with pytest.raises(AssertionError):
        validate_rfc7946({"type": "FeatureCollection", "crs": {}, "features": []})


# ---------------------------------------------------------------------------
# measuring what was exported, with pyproj


def geojson_km2(geometry) -> float:
    """Geodesic km² of a GeoJSON (Multi)Polygon: |outer| - |holes| per polygon."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    return sum(ring_km2(p[0]) - sum(ring_km2(h) for h in p[1:]) for p in polys)


def geojson_perimeter_km(geometry) -> float:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    total = 0.0
    for p in polys:
        for r in p:
            total += GEOD.line_length([q[0] for q in r], [q[1] for q in r])
    return total / 1000


def geojson_length_km(geometry) -> tuple[float, int]:
    """Geodesic km of a (Multi)LineString, and its number of segments."""
    lines = geometry["coordinates"] if geometry["type"] == "MultiLineString" else [
        geometry["coordinates"]]
    km = sum(GEOD.line_length([q[0] for q in ln], [q[1] for q in ln]) for ln in lines) / 1000
    return km, sum(len(ln) - 1 for ln in lines)


def _features(text: str) -> dict[str, dict]:
    doc = json.loads(text)
    validate_rfc7946(doc)
    by_id = {f["id"]: f for f in doc["features"]}
    assert len(by_id) == len(doc["features"]), "ids are unique"
    return by_id


def _load(shared, case):
    if case == "demo":
        layers = frontmap.read_layers(ROOT / "layers")
        return layers, frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")
    name, a, b, opts = case
    layers = frontmap.read_layers(shared / name, **opts)
    return layers, frontmap.diff_dates(layers, a, b)


@pytest.fixture(scope="module")
def demo():
    layers = frontmap.read_layers(ROOT / "layers")
    return layers, frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")


def _check_numbers(layers, d, exact: dict, rounded: dict) -> None:
    """Claims and transfers measure the diff's km²; front lines their stated km."""
    pieces = [(f"claim/{c.from_holder}/{c.to_holder}/{c.counts_for}", c.area_km2)
              for c in d.claims]
    pieces += [(f"transfer/{t.from_holder}/{t.to_holder}", t.area_km2) for t in d.transfers]
    assert pieces
    for fid, km2 in pieces:
        assert exact[fid]["properties"]["area_km2"] == pytest.approx(round(km2, 6), abs=1e-9)
        # every digit: the exported ground is the diff's ground, 1e-6 relative
        assert geojson_km2(exact[fid]["geometry"]) == pytest.approx(km2, rel=1e-6), fid
        # rounded to 1e-6 degrees: no further off than moving every vertex by the rounding
        g = rounded[fid]["geometry"]
        if g is None:  # a sliver the 1e-6 degree grid collapses
            assert km2 < 1e-3, fid
            continue
        bound = 1e-6 * km2 + geojson_perimeter_km(g) * ROUNDING_KM
        assert abs(geojson_km2(g) - km2) <= bound, (fid, geojson_km2(g), km2, bound)
    fronts = {(fl.factions, d.date_from.isoformat()): fl.length_from_km for fl in d.front_lines}
    fronts |= {(fl.factions, d.date_to.isoformat()): fl.length_to_km for fl in d.front_lines}
    n = 0
    for (pair, day), km in fronts.items():
        fid = f"front_line/{day}/{pair[0]}/{pair[1]}"
        if km <= 0:
            assert fid not in exact
            continue
        n += 1
        props = exact[fid]["properties"]
        assert props["length_km"] == pytest.approx(round(km, 6), abs=1e-9)  # the diff's km
        assert props["factions"] == list(pair) and props["date"] == day
        drawn, _ = geojson_length_km(exact[fid]["geometry"])
        assert props["line_km"] == pytest.approx(drawn, rel=1e-6)  # the line drawn
        got, segments = geojson_length_km(rounded[fid]["geometry"])
        assert abs(got - drawn) <= 1e-6 * drawn + 2 * segments * ROUNDING_KM, fid
    assert n > 0


def test_demo_numbers(demo):
    layers, d = demo
    exact = _features(export_diff(layers, d, decimals=None))
    rounded = _features(export_diff(layers, d))
    _check_numbers(layers, d, exact, rounded)
    # the front lines drawn are the diff's borders, measured independently
    for fl in d.front_lines:
        day = d.date_from.isoformat()
        line = shapely.get_coordinates(fl.geom_from)
        if fl.length_from_km > 0 and fl.geom_from.geom_type == "LineString":
            km = GEOD.line_length(line[:, 0], line[:, 1]) / 1000
            f = exact[f"front_line/{day}/{fl.factions[0]}/{fl.factions[1]}"]
            assert f["properties"]["line_km"] == pytest.approx(km, abs=1e-6)
            # on the demo both factions' borders nearly coincide
            assert km == pytest.approx(fl.length_from_km, rel=1e-3)


@pytest.mark.slow
def test_syria_numbers(shared_data):
    layers, d = _load(shared_data, SYRIA)
    exact = _features(export_diff(layers, d, decimals=None))
    rounded = _features(export_diff(layers, d))
    _check_numbers(layers, d, exact, rounded)
    assert any(c.counts_for != "both" for c in d.claims)  # the ledger's harder lines too


def test_demo_features(demo):
    layers, d = demo
    by_id = _features(export_diff(layers, d))
    kinds = {}
    for f in by_id.values():
        p = f["properties"]
        assert p["id"] == f["id"]
        kinds.setdefault(p["kind"], []).append(f)
        assert f["geometry"]["type"] == ("MultiLineString" if p["kind"] == "front_line"
                                         else "MultiPolygon")
    assert set(kinds) == {"territory", "claim", "transfer", "front_line", "event"}
    # territory: every holder of both dates, with its name, colour and area
    terr = {(f["properties"]["date"], f["properties"]["holder"]): f for f in kinds["territory"]}
    assert len(terr) == 14
    is_to = terr[("2017-01-16", "IS")]["properties"]
    assert is_to["name"] == "Islamic State" and is_to["color"] == "#2b2b2b"
    assert is_to["area_km2"] == pytest.approx(d.holders_to["IS"], abs=1e-6)
    assert geojson_km2(terr[("2017-01-16", "IS")]["geometry"]) == pytest.approx(
        d.holders_to["IS"], rel=1e-6)
    # claims named by their factions' names
    claim = by_id["claim/IS/IQ/both"]["properties"]
    assert (claim["from_name"], claim["to_name"]) == ("Islamic State",
                                                      "Iraqi government forces")
    assert claim["near"] == "Mosul" and claim["counts_for"] == "both"
    assert (claim["date_from"], claim["date_to"]) == ("2017-01-09", "2017-01-16")
    # the split at Deir ez-Zour with its numbers
    (split,) = kinds["event"]
    sp = split["properties"]
    assert split["id"] == "event/split/SAA/1"
    assert (sp["type"], sp["faction"], sp["by"], sp["parts_after"]) == ("split", "SAA", ["IS"], 2)
    assert sp["corridor_km2"] == pytest.approx(d.events[0].details["corridor_km2"], abs=1e-6)
    assert geojson_km2(split["geometry"]) == pytest.approx(sp["corridor_km2"], rel=1e-5)
    # lon/lat order: the exported ground has the territory's bounds, x as longitude
    w, s, e, n = shapely.bounds(d.holder_geoms_to["IS"])
    xs = [p[0] for poly in terr[("2017-01-16", "IS")]["geometry"]["coordinates"]
          for r in poly for p in r]
    ys = [p[1] for poly in terr[("2017-01-16", "IS")]["geometry"]["coordinates"]
          for r in poly for p in r]
    assert (min(xs), max(xs)) == pytest.approx((w, e), abs=1e-6)
    assert (min(ys), max(ys)) == pytest.approx((s, n), abs=1e-6)
    # every coordinate on the 1e-6 grid, written with at most 6 decimals
    assert all(abs(x * 1e6 - round(x * 1e6)) < 1e-6 for x in xs[:500])


def test_cli_diff_geojson(tmp_path):
    r = run("diff", "2017-01-09", "2017-01-16", ROOT / "layers", "--format", "geojson")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate_rfc7946(doc)
    meta = doc["frontmap"]
    assert meta["export"] == {"of": "diff", "from": "2017-01-09", "to": "2017-01-16",
                              "simplify_m": None}
    assert meta["decimals"] == 6 and meta["method"].startswith("geodesic areas on WGS84")
    # -o FILE: the same bytes, written atomically, and said so
    out = tmp_path / "change.geojson"
    r2 = run("diff", "2017-01-09", "2017-01-16", ROOT / "layers", "--format", "geojson",
             "-o", out)
    assert r2.exit_code == 0 and r2.output.startswith(f"wrote {out}")
    assert out.read_text(encoding="utf-8") == r.output
    # the same inputs, the same bytes
    assert run("diff", "2017-01-09", "2017-01-16", ROOT / "layers", "--format",
               "geojson").output == r.output
    # one feature per line
    lines = r.output.splitlines()
    assert len(lines) == len(doc["features"]) + 2


def test_cli_output_errors(tmp_path):
    args = ["diff", "2017-01-09", "2017-01-16", ROOT / "layers"]
    r = run(*args, "--format", "csv", "-o", tmp_path / "x.gpkg")
    assert r.exit_code == 2 and "is a GeoPackage" in r.output
    r = run(*args, "--format", "md", "--simplify", "100")
    assert r.exit_code == 2 and "--simplify simplifies geometry" in r.output
    r = run("areas", ROOT / "layers", "--wide", "--format", "geojson")
    assert r.exit_code == 2 and "--wide" in r.output
    r = run(*args, "--format", "geojson", "-o", tmp_path / "nowhere" / "x.geojson")
    assert r.exit_code == 1 and "does not exist" in r.output
    assert not (tmp_path / "nowhere").exists()
    # -o for a table: the table, in the file
    table = run(*args, "--format", "csv").output
    r = run(*args, "--format", "csv", "-o", tmp_path / "d.csv")
    assert r.exit_code == 0 and (tmp_path / "d.csv").read_text() == table


def test_cli_splits_and_areas_geojson():
    r = run("splits", "2017-01-16", ROOT / "layers", "--format", "geojson")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate_rfc7946(doc)
    header = run("splits", "2017-01-16", ROOT / "layers", "--format", "csv").output
    rows = next(csv.reader(header.splitlines()))
    parts = doc["features"]
    assert parts and all(f["properties"]["kind"] == "part" for f in parts)
    for column in rows:  # every column of the table
        assert column in parts[0]["properties"], column
    saa = [f for f in parts if f["properties"]["faction"] == "SAA"]
    assert [f["properties"]["part"] for f in saa] == list(range(1, len(saa) + 1))
    for f in parts:
        assert geojson_km2(f["geometry"]) == pytest.approx(f["properties"]["area_km2"],
                                                           rel=1e-5, abs=1e-4)
    assert doc["frontmap"]["export"]["date"] == "2017-01-16"

    r = run("areas", ROOT / "layers", "--format", "geojson")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    validate_rfc7946(doc)
    table = json.loads(run("areas", ROOT / "layers", "--format", "json").output)
    feats = {(f["properties"]["date"], f["properties"]["faction"]): f for f in doc["features"]}
    assert len(feats) == len(table) == len(doc["features"])
    for row in table:
        f = feats[(row["date"], row["faction"])]
        assert f["properties"]["area_km2"] == row["area_km2"]
        assert f["properties"]["parts"] == row["parts"]
        assert geojson_km2(f["geometry"]) == pytest.approx(row["area_km2"], rel=1e-5)
    assert len(doc["frontmap"]["source"]["files"]) == 28  # every file of every date


def test_simplify_keeps_a_coverage(demo):
    layers, d = demo
    full = _features(export_diff(layers, d))
    simple = _features(export_diff(layers, d, simplify_m=2000))
    assert len(simple) == len(full)
    vertices = {k: sum(len(r) for poly in f["geometry"]["coordinates"] for r in poly)
                for k, f in full.items() if f["properties"]["kind"] == "territory"}
    fewer = {k: sum(len(r) for poly in f["geometry"]["coordinates"] for r in poly)
             for k, f in simple.items() if f["properties"]["kind"] == "territory"}
    assert sum(fewer.values()) < 0.6 * sum(vertices.values())
    for day in ("2017-01-09", "2017-01-16"):
        holders = [shapely.geometry.shape(f["geometry"]) for f in simple.values()
                   if f["properties"]["kind"] == "territory" and f["properties"]["date"] == day]
        # no overlaps between neighbours (areas in square degrees: only the topology matters)
        total = sum(h.area for h in holders)
        union = shapely.union_all(holders)
        assert union.area == pytest.approx(total, rel=1e-9)
        # no gaps: the holders of one date tile what those of the other date tile
        if day == "2017-01-09":
            first = union
        else:
            assert shapely.symmetric_difference(first, union).area < 1e-9 * first.area
    # borders stay shared: IS and SDF touch along a line, not a point
    to = {f["properties"]["holder"]: shapely.geometry.shape(f["geometry"]) for f in
          simple.values() if f["properties"]["kind"] == "territory"
          and f["properties"]["date"] == "2017-01-16"}
    shared = shapely.intersection(to["IS"].boundary, to["SDF"].boundary)
    assert shared.length > 1.0  # degrees
    # numbers stay the full-detail ones
    assert simple["claim/IS/SDF/both"]["properties"] == full["claim/IS/SDF/both"]["properties"]
    assert json.loads(export_diff(layers, d, simplify_m=2000))["frontmap"]["export"][
        "simplify_m"] == 2000


@pytest.mark.slow
def test_syria_simplified_is_valid(shared_data):
    layers, d = _load(shared_data, SYRIA)
    text = export_diff(layers, d, simplify_m=250)
    by_id = _features(text)
    for f in by_id.values():
        if f["geometry"] is not None and f["properties"]["kind"] != "front_line":
            assert shapely.geometry.shape(f["geometry"]).is_valid, f["id"]
    assert len(text) < 0.7 * len(export_diff(layers, d))


def test_exported_polygons_are_valid(demo):
    layers, d = demo
    for f in _features(export_diff(layers, d)).values():
        if f["properties"]["kind"] != "front_line":
            assert shapely.geometry.shape(f["geometry"]).is_valid, f["id"]


def test_library_formats_and_errors(demo):
    layers, d = demo
    with pytest.raises(frontmap.ArgumentError):
        export_diff(layers, d, fmt="kml")
    gpkg = export_diff(layers, d, fmt="gpkg")
    assert gpkg[:16] == b"SQLite format 3\x00"


def test_readme_documents_every_kind():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for word in ("front_line", "claim/IS/SDF/both", "territory/", "--simplify", ".gpkg",
                 "Datawrapper", "QGIS"):
        assert word in readme, word
