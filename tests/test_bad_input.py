"""Broken and hostile input: every bad file gets a clear answer, nothing lost, nothing executed.

Each bad file, read by ``frontmap check`` and ``frontmap areas``, ends in one
of two ways: a clean read with every repair listed, or an error that names
the file, the feature and the problem (exit 1). Never a traceback, never a
hang, never a changed input file.

The corpus in ../shared/data/bad-input (validators' and geometry libraries'
own test files, see its MANIFEST.md) is run when present; hand-made cases in
tests/fixtures/bad cover the same ground without it.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.analysis.check import area_jumps, check_layers, stray_parts
from frontmap.analysis.geodesy import area_km2
from frontmap.cli import main
from frontmap.errors import DataError
from frontmap.read import geojson
from frontmap.read.geojson import parse_geojson, read_geojson
from frontmap.read.geojson import stream as geojson_stream
from frontmap.read.model import UNDATED

from .conftest import GEOD, SHARED, feature, rect, rel, ring_km2, write_fc

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
CORPUS = SHARED / "bad-input"

# outcome: "error" (exit 1, the pattern in an error), "repaired" (exit 0, the pattern in a
# repair), "warning" (exit 0, the pattern in a warning; --strict exits 1) or "clean"
# (exit 0, no error; the pattern, when given, anywhere in the JSON report).
E, R, W, C = "error", "repaired", "warning", "clean"

FIXTURE_EXPECTED = {
    "antimeridian-beyond.geojson": (R, r"crosses the antimeridian \(longitudes 179\.\.181"),
    "antimeridian-jump.geojson": (R, r"crosses the antimeridian \(longitudes 179\.\.181"),
    "bad-bbox.geojson": (W, r"'bbox' must be an array of 4"),
    "bom.geojson": (C, r'"used": 1'),
    "bool-coordinate.geojson": (E, r"position 1: a coordinate must be a number, not a boolean"),
    "bowtie_2024-03-01.geojson": (R, r"invalid polygon \(Self-intersection"),
    "deep-property.geojson": (E, r"property 'note' is nested more than 64 levels deep"),
    "duplicate-key.geojson": (E, r"'properties' repeats the key\(s\) 'faction'"),
    "empty.geojson": (E, r"the file is empty"),
    "encircles-pole.geojson": (E, r"encircles a pole"),
    "infinity-coordinate.geojson": (E, r"position 1: -Infinity is not allowed in JSON"),
    "latin1.geojson": (E, r"not UTF-8 text \(invalid byte at offset \d+\)"),
    "mixed-dates.geojson": (E, r"no date: no 'date' property"),
    "nan-coordinate.geojson": (E, r"position 1: NaN is not allowed in JSON"),
    "null-geometry.geojson": (C, r'"no geometry": 1'),
    "overflow-coordinate.geojson": (E, r"too large for a 64-bit float"),
    "points-only.geojson": (E, r"no territory"),
    "string-coordinate.geojson": (E, r"coordinate '37\.5' is a string"),
    "swapped-axes.geojson": (E, r"the axes look swapped"),
    "truncated.geojson": (E, r"not valid JSON: .* at line 1, column \d+"),
    "unclosed-ring_2024-03-01.geojson": (R, r"ring 0: not closed .*closed it"),
    "wide-jump.geojson": (E, r"jumps across the antimeridian.*spans 190°"),
}

_NEST = r"not nested deeply enough"
_INVALID = r"invalid polygon \(.*\); repaired with make_valid"
_SELF = r"invalid polygon \(Self-intersection"
CORPUS_EXPECTED = {
    # geojson-validator (chrieke)
    "geojson-validator/invalid_geometries/invalid_exterior_not_ccw.geojson": (C, None),
    "geojson-validator/invalid_geometries/invalid_incorrect_geometry_data_type.geojson": (
        E,
        r"LineString, position 0: an array was found where a number was expected",
    ),
    "geojson-validator/invalid_geometries/invalid_inner_and_exterior_ring_intersect.geojson": (
        R,
        _SELF,
    ),
    "geojson-validator/invalid_geometries/invalid_interior_not_cw.geojson": (C, None),
    "geojson-validator/invalid_geometries/invalid_less_three_unique_nodes.geojson": (
        R,
        r"degenerate ring \(3 positions, 2 distinct\) dropped",
    ),
    "geojson-validator/invalid_geometries/invalid_unclosed.geojson": (R, r"not closed"),
    "geojson-validator/invalid_structure/invalid_feature_geometry_is_string.geojson": (
        E,
        r"'geometry' must be an object or null, not a string",
    ),
    "geojson-validator/invalid_structure/invalid_feature_no_porperties.geojson": (
        R,
        r"not closed",
    ),
    "geojson-validator/invalid_structure/invalid_feature_wrong_geometry_key.geojson": (
        E,
        r"has no 'geometry' member",
    ),
    "geojson-validator/invalid_structure/invalid_featurecollection_crs_defined.geojson": (
        C,
        None,
    ),
    "geojson-validator/invalid_structure/invalid_featurecollection_feature_nullfeature.geojson": (
        E,
        r"every feature must be an object, found null",
    ),
    "geojson-validator/invalid_structure/invalid_geometry_coordinates_1d.geojson": (
        E,
        r"ring 0 is a number, not an array of positions",
    ),
    "geojson-validator/invalid_structure/invalid_geometry_coordinates_empty_position.geojson": (
        E,
        r"position 2: needs at least two numbers \[lon, lat\], found 0",
    ),
    "geojson-validator/invalid_structure/invalid_geometry_depth_deep_polygon.geojson": (
        E,
        r"nested too deeply",
    ),
    "geojson-validator/invalid_structure/invalid_geometry_depth_shallow_multipolygon.geojson": (
        E,
        _NEST,
    ),
    "geojson-validator/invalid_structure/invalid_geometry_depth_shallow_polygon.geojson": (
        E,
        _NEST,
    ),
    "geojson-validator/problematic_geometries/problematic_3d_coordinates.geojson": (C, None),
    "geojson-validator/problematic_geometries/problematic_crosses_antimeridian.geojson": (
        R,
        r"crosses the antimeridian .*split at ±180°",
    ),
    "geojson-validator/problematic_geometries/problematic_duplicate_nodes.geojson": (C, None),
    "geojson-validator/problematic_geometries/problematic_excessive_coordinate_precision.geojson": (
        C,
        None,
    ),
    "geojson-validator/problematic_geometries/problematic_feature_null_geometry.geojson": (
        C,
        r'"no geometry": 1',
    ),
    "geojson-validator/problematic_geometries/problematic_holes.geojson": (C, None),
    "geojson-validator/problematic_geometries/problematic_outside_lat_lon_boundaries.geojson": (
        E,
        r"coordinates out of lon/lat range \(x -190\.624",
    ),
    "geojson-validator/problematic_geometries/problematic_self_intersection_large.geojson": (
        R,
        _SELF,
    ),
    "geojson-validator/problematic_geometries/problematic_self_intersection_small.geojson": (
        R,
        _SELF,
    ),
    # geojsonhint (mapbox)
    "geojsonhint/bad/bad-duplicate-properties.geojson": (
        E,
        r"the root object repeats the key\(s\) 'type'",
    ),
    "geojsonhint/bad/bad-featurelist.geojson": (E, r"ring 0 is a number"),
    "geojsonhint/bad/bad-json.geojson": (E, r"not valid JSON: Expecting ',' delimiter at line 3"),
    "geojsonhint/bad/bad-object-type.geojson": (E, r"'type' must be a string"),
    "geojsonhint/bad/bad-polygon-interiorring-rhr.geojson": (C, None),
    "geojsonhint/bad/bad-polygonloop.geojson": (E, _NEST),
    "geojsonhint/bad/bad-properties-as-array.geojson": (
        E,
        r"'properties' must be an object or null, not an array",
    ),
    "geojsonhint/bad/badcoord.geojson": (E, r"Point, position 0: coordinate 'f' is a string"),
    "geojsonhint/bad/badfeature.geojson": (E, r"every feature must be an object, found null"),
    "geojsonhint/bad/badfeatureid.geojson": (W, r"'id' must be a string or a number"),
    "geojsonhint/bad/bbox-4or6elements.geojson": (W, r"'bbox' must be an array of 4 .*of 3"),
    "geojsonhint/bad/bbox-string.geojson": (W, r"'bbox' must be an array of 4 .*not a string"),
    "geojsonhint/bad/different-first-last.geojson": (R, r"not closed"),
    "geojsonhint/bad/different-first-size.geojson": (R, r"positions mix 2 and 3 values"),
    "geojsonhint/bad/excessive_precision_truncated.geojson": (C, r'"lines": 1'),
    "geojsonhint/bad/false.geojson": (E, r"may hold only geometry objects \(member 0 is a bool"),
    "geojsonhint/bad/feature_changed_semantics.geojson": (
        W,
        r"must not have a 'features' member",
    ),
    "geojsonhint/bad/featurecollection-obj.geojson": (
        E,
        r"'features' must be an array, not an object",
    ),
    "geojsonhint/bad/featurecollection-type-case.geojson": (E, r"types are case-sensitive"),
    "geojsonhint/bad/featurecollection.geojson": (E, r"needs a 'features' member"),
    "geojsonhint/bad/geometrycollection_nested.geojson": (C, None),
    "geojsonhint/bad/geometrycollection_single.geojson": (C, None),
    "geojsonhint/bad/multiple_problems.geojson": (E, r"'39\.36827914916011' is a string"),
    "geojsonhint/bad/nofeaturetype.geojson": (E, r"has type 'Featre' where 'Feature'"),
    "geojsonhint/bad/notype.geojson": (E, r"no 'type' member"),
    "geojsonhint/bad/point-labeled-as-a-multipolygon.geojson": (E, _NEST),
    "geojsonhint/bad/point-toomany.geojson": (C, r'"points": 1'),
    "geojsonhint/bad/polygon_winding_order.geojson": (C, None),
    "geojsonhint/bad/rootstring.geojson": (E, r"must be an object, not null"),
    "geojsonhint/bad/short-linearring.geojson": (R, r"not closed"),
    "geojsonhint/bad/stringcoord.geojson": (E, r"'39\.36827914916011' is a string"),
    "geojsonhint/bad/unknowntype.geojson": (E, r"unknown type 'FooBar'"),
    # valid GeoJSON: must be accepted
    "geojsonhint/good/good-featurecollection-bbox3d.geojson": (C, r'"points": 2'),
    "geojsonhint/good/good-featurecollection-extensions.geojson": (C, None),
    "geojsonhint/good/good-point-3d.geojson": (C, r'"points": 1'),
    "geojsonhint/good/nullgeometry.geojson": (C, r'"no geometry": 1'),
    "geojsonhint/good/nullproperties.geojson": (C, r'"points": 1'),
    # GEOS validity cases
    "geos/TestValid/01_a-zero-area-polygon-too-few-distinct-points.geojson": (
        R,
        r"degenerate ring \(5 positions, 1 distinct\)",
    ),
    "geos/TestValid/03_a-polygon-with-too-few-points-too-few-distinct-points.geojson": (
        R,
        r"degenerate ring",
    ),
    "geos/TestValid/04_a-polygon-with-invalid-point.geojson": (E, r"NaN is not allowed in JSON"),
    "geos/TestValid/05_a-polygon-with-degenerate-hole-ring-a-b-c-b-a-self-intersect.geojson": (
        R,
        _INVALID,
    ),
    "geos/TestValid/06_ma-multipolygon-with-component-with-too-few-points-too-few-d.geojson": (
        R,
        r"polygon 3: ring 0: degenerate ring",
    ),
    "geos/TestValid/07_a-shell-self-touches-at-vertex-self-intersection.geojson": (R, _INVALID),
    "geos/TestValid/09_a-shell-self-crosses-at-non-vertex-self-intersection.geojson": (
        R,
        _SELF,
    ),
    "geos/TestValid/10_a-shell-self-crosses-at-vertex-self-intersection.geojson": (R, _INVALID),
    "geos/TestValid/12_a-hole-self-crosses-at-non-vertex-self-intersection.geojson": (
        R,
        _SELF,
    ),
    "geos/TestValid/15_a-hole-adjacent-to-hole-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/16_a-spike-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/17_a-gore-self-intersection.geojson": (R, _INVALID),
    "geos/TestValid/18_a-hole-crossing-shell-at-non-vertex-self-intersection.geojson": (
        R,
        _SELF,
    ),
    "geos/TestValid/19_a-shell-self-overlaps-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/21_a-hole-outside-disjoint-hole-outside-shell.geojson": (
        R,
        r"Hole lies outside shell",
    ),
    "geos/TestValid/23_a-hole-identical-to-shell-self-intersection.geojson": (
        R,
        r"no area left after repair; dropped",
    ),
    "geos/TestValid/25_a-hole-inside-hole-disjoint-nested-holes.geojson": (
        R,
        r"Holes are nested",
    ),
    "geos/TestValid/28_a-duplicate-holes-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/29_a-hole-touches-shell-twice-interior-disconnected.geojson": (
        R,
        r"Interior is disconnected",
    ),
    "geos/TestValid/30_a-chain-of-holes-surrounds-area-interior-disconnected.geojson": (
        R,
        r"Interior is disconnected",
    ),
    "geos/TestValid/35_a-hole-touches-shell-at-all-vertices-interior-disconnected.geojson": (
        R,
        r"Interior is disconnected",
    ),
    "geos/TestValid/36_ma-shells-adjacent-same-vertices-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/37_ma-shells-adjacent-different-vertices-self-intersection.geojson": (
        R,
        _SELF,
    ),
    "geos/TestValid/38_ma-duplicate-shells-self-intersection.geojson": (R, _SELF),
    "geos/TestValid/39_ma-shell-inside-shell-disjoint-nested-shells.geojson": (
        R,
        r"Nested shells",
    ),
    "geos/makevalid/geometry_collection.geojson": (R, _INVALID),
    "geos/makevalid/multipolygon-first_part_crossing_second_part_overlapping.geojson": (
        R,
        _SELF,
    ),
    "geos/makevalid/multipolygon-second_part_overlapping.geojson": (R, _SELF),
    "geos/makevalid/polygon-crossing.geojson": (R, _SELF),
    "geos/makevalid/polygon-hole_touching_two_places.geojson": (R, r"Interior is disconnected"),
    # JSONTestSuite
    "jsontestsuite/i_number_real_pos_overflow.json": (E, r"overflows to infinity"),
    "jsontestsuite/i_string_invalid_utf-8.json": (E, r"not UTF-8 text"),
    # the BOM is accepted: what is wrong is that {} is not GeoJSON
    "jsontestsuite/i_structure_UTF-8_BOM_empty_object.json": (E, r"no 'type' member"),
    "jsontestsuite/n_number_NaN.json": (E, r"NaN, which is not allowed in JSON"),
    "jsontestsuite/n_number_infinity.json": (E, r"Infinity, which is not allowed in JSON"),
    "jsontestsuite/n_object_trailing_comma.json": (E, r"not valid JSON: Expecting property name"),
    "jsontestsuite/n_structure_100000_opening_arrays.json": (E, r"nested far too deeply"),
    "jsontestsuite/n_structure_no_data.json": (E, r"the file is empty"),
    # Turf
    "turf/boolean-valid-false/GeometryCollection__empty-geometry-collection.geojson": (
        C,
        r'"empty geometry": 1',
    ),
    "turf/boolean-valid-false/GeometryCollection__malformed-geometry-in-collection.geojson": (
        E,
        r"GeometryCollection member 0: Point, position 0: needs at least two numbers",
    ),
    "turf/boolean-valid-false/GeometryCollection__nested-collection.geojson": (C, None),
    "turf/boolean-valid-false/GeometryCollection__no-type-in-nested-geometry.geojson": (
        E,
        r"may hold only geometry objects \(member 0 is an object with no 'type'\)",
    ),
    "turf/boolean-valid-false/GeometryCollection__non-geometry-in-collection.geojson": (
        E,
        r"may hold only geometry objects \(member 0 is Feature\)",
    ),
    "turf/boolean-valid-false/MultiPoint__multipoint.geojson": (
        E,
        r"MultiPoint, position 0: needs at least two numbers \[lon, lat\], found 1",
    ),
    # the hole's two vertices lie on the shell's 12°-long top edge in the lon/lat
    # plane; as a geodesic that edge bows 15 km north, so the hole is strictly
    # inside: valid with frontmap's geodesic edges, nothing to repair
    "turf/boolean-valid-false/MultiPolygon__multipoly-with-2-vertices-touching.geojson": (
        C,
        None,
    ),
    "turf/boolean-valid-false/MultiPolygon__multipolygons-overlap.geojson": (R, _SELF),
    "turf/boolean-valid-false/MultiPolygon__not-enough-coords.geojson": (R, r"degenerate ring"),
    "turf/boolean-valid-false/Polygon__not-closing-ring.geojson": (R, r"not closed"),
    "turf/boolean-valid-false/Polygon__not-enough-coords.geojson": (R, r"degenerate ring"),
    # the same hole, the same long edge: valid with geodesic edges
    "turf/boolean-valid-false/Polygon__polygon-with-hole-2-vertices-touching.geojson": (
        C,
        None,
    ),
    "turf/boolean-valid-false/Polygon__polygon-with-puncture.geojson": (R, _SELF),
    "turf/boolean-valid-false/Polygon__polygon-with-spike.geojson": (R, _INVALID),
    "turf/clean-coords/polygon-with-hole.geojson": (C, None),
    "turf/clean-coords/triplicate-issue1255.geojson": (R, _INVALID),
    "turf/kinks/hourglass.geojson": (R, _SELF),
    "turf/kinks/issue-2627.geojson": (R, _INVALID),
    "turf/kinks/multi-polygon.geojson": (R, _SELF),
    "turf/kinks/open-hourglass.geojson": (C, r'"lines": 1'),
    "turf/kinks/triple.geojson": (R, _SELF),
    "turf/rewind/geometry-polygon-counter-clockwise.geojson": (C, None),
    "turf/rewind/polygon-clockwise.geojson": (C, None),
    "turf/unkink-polygon/complex.geojson": (R, _SELF),
    "turf/unkink-polygon/hourglass.geojson": (R, _SELF),
    "turf/unkink-polygon/hourglassMultiPolygon.geojson": (R, _SELF),
    "turf/unkink-polygon/issue-1094.geojson": (R, _SELF),
    "turf/unkink-polygon/polygon-with-holes.geojson": (R, r"Holes are nested"),
}


def _corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "MANIFEST.md"
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_clear_answer(path: Path, outcome: str, pattern: str | None) -> None:
    """Run ``check`` (text and JSON) and ``areas`` on one file and judge the answers."""
    before = _sha256(path)
    text = invoke("check", path)
    report = invoke("check", "--format", "json", path)
    strict = invoke("check", "--strict", path)
    areas = invoke("areas", path)
    assert _sha256(path) == before, "the input file was modified"
    shown = str(path)
    for r in (text, report, strict, areas):
        assert r.exit_code in (0, 1), r.output
        assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    data = json.loads(report.stdout)
    assert report.exit_code == text.exit_code
    (frep,) = data["files"]
    assert frep["file"] == shown
    errors = frep["errors"] + data["errors"]
    warnings = frep["warnings"] + data["warnings"]
    repairs = frep["repairs"]
    # every repair is listed, in the text report as in JSON
    assert text.stdout.count("\n  repaired ") == len(repairs)
    assert len(re.findall(r"^  error ", text.stdout, re.M)) == len(frep["errors"])

    def found(notes) -> bool:
        return any(re.search(pattern, n["message"]) for n in notes)

    if outcome == E:
        assert text.exit_code == 1 and areas.exit_code == 1, text.output
        assert found(errors), f"{pattern!r} not among {errors}"
        for n in errors:
            assert n["file"] == shown
        for n in (e for e in errors if re.search(pattern, e["message"])):
            # `areas` names the file, the feature (when it is one feature's) and the problem
            where = shown + (f": feature {n['feature']}: " if n["feature"] is not None else ": ")
            assert where + n["message"] in areas.stderr, areas.stderr
        assert f"{shown}: " in areas.stderr
        return
    # no polygon used at all: check fails with that one error, and says why
    nothing = [e for e in data["errors"] if e["message"].startswith("no territory: ")]
    assert bool(nothing) == (not frep["used"]), data["errors"]
    assert text.exit_code == (1 if nothing else 0), text.output
    errors = [e for e in errors if e not in nothing]
    assert not errors, errors
    assert strict.exit_code == (1 if warnings or nothing else 0)
    if outcome == R:
        assert found(repairs), f"{pattern!r} not among {repairs}"
        for n in repairs:
            assert n["file"] == shown and n["feature"] is not None
    elif outcome == W:
        assert found(warnings), f"{pattern!r} not among {warnings}"
    elif pattern:
        assert re.search(pattern, report.stdout), report.stdout
    if frep["used"]:
        assert areas.exit_code == 0, areas.output
        if repairs:
            assert f"{len(repairs)} repair(s) made while reading" in areas.stderr
        rows = [line.split() for line in areas.stdout.splitlines()[2:] if line.strip()]
        assert rows, areas.stdout
    else:  # nothing to measure
        assert areas.exit_code == 1 and "no territory" in areas.stderr


# --- the hand-made fixtures ------------------------------------------------------------


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(FIXTURE_EXPECTED)


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_fixture_gets_a_clear_answer(name):
    outcome, pattern = FIXTURE_EXPECTED[name]
    assert_clear_answer(FIXTURES / name, outcome, pattern)


# --- the shared corpus -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("rel_path", _corpus_files() or ["(absent)"])
def test_corpus_file_gets_a_clear_answer(rel_path):
    if not CORPUS.is_dir():
        pytest.skip(f"bad-input corpus not found at {CORPUS}")
    assert rel_path in CORPUS_EXPECTED, f"new corpus file {rel_path}: add its expectation"
    outcome, pattern = CORPUS_EXPECTED[rel_path]
    assert_clear_answer(CORPUS / rel_path, outcome, pattern)


@pytest.mark.slow
def test_corpus_table_matches_the_corpus(shared_data):
    assert set(CORPUS_EXPECTED) == set(_corpus_files())


_SUBPROCESS_CASES = [
    "jsontestsuite/n_structure_100000_opening_arrays.json",
    "jsontestsuite/n_number_NaN.json",
    "jsontestsuite/i_structure_UTF-8_BOM_empty_object.json",
    "geos/TestValid/21_a-hole-outside-disjoint-hole-outside-shell.geojson",
    "geojsonhint/good/nullgeometry.geojson",
]


@pytest.mark.slow
@pytest.mark.parametrize("rel_path", _SUBPROCESS_CASES)
@pytest.mark.parametrize("command", ["check", "areas"])
def test_corpus_in_a_real_process_with_a_timeout(shared_data, rel_path, command):
    path = shared_data / "bad-input" / rel_path
    before = _sha256(path)
    out = subprocess.run(
        [sys.executable, "-m", "frontmap", command, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert _sha256(path) == before
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    if out.returncode == 1:
        assert str(path) in out.stdout + out.stderr or "no territory" in out.stderr


# --- strict JSON, both ways of reading ---------------------------------------------------

SQUARE = rect(36, 35, 37, 36)


def _fc_text(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _read(text: str | bytes, tmp_path: Path, stream: bool, chunk: int = 64):
    """(crs, [RawFeature], warnings) of a GeoJSON text, read whole or streamed."""
    path = tmp_path / "t.geojson"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    if stream:
        g = geojson_stream.stream_geojson(path, "t.geojson", chunk=chunk)
    else:
        g = parse_geojson(path.read_bytes(), "t.geojson")
    feats = list(g.features)
    return g.crs, feats, g.warnings


both = pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])


@both
@pytest.mark.parametrize(
    "literal, message",
    [
        ("NaN", "NaN is not allowed in JSON"),
        ("Infinity", "Infinity is not allowed in JSON"),
        ("-Infinity", "-Infinity is not allowed in JSON"),
        ("1e400", "too large for a 64-bit float"),
        ("-1.5e999", "too large for a 64-bit float"),
        ("1" * 400 + ".0", "too large for a 64-bit float"),
        ('"36.5"', "coordinate '36.5' is a string; coordinates must be JSON numbers"),
        ("true", "must be a number, not a boolean"),
        ("null", "must be a number, not null"),
    ],
)
def test_bad_numbers_in_coordinates_are_errors_of_that_feature(tmp_path, stream, literal, message):
    good = feature([SQUARE])
    text = _fc_text([good, good]).replace("[37, 35]", f"[{literal}, 35]", 2)
    text = text.replace(f"[{literal}, 35]", "[37, 35]", 1)  # only the second feature is bad
    _, feats, _ = _read(text, tmp_path, stream)
    assert feats[0].error is None and feats[0].geom is not None
    assert message in feats[1].error and "ring 0, position 1" in feats[1].error


@both
@pytest.mark.parametrize(
    "where",
    ['"properties": {"pop": LIT}', '"bbox": [LIT, 0, 1, 1]', '"extra": {"a": [LIT]}'],
)
def test_bad_numbers_anywhere_in_a_feature_are_errors(tmp_path, stream, where):
    for lit, message in (("NaN", "NaN, which is not allowed"), ("1e999", "overflows")):
        text = _fc_text([feature([SQUARE])]).replace('"properties": {}', where.replace("LIT", lit))
        _, (f,), _ = _read(text, tmp_path, stream)
        assert f.error and message in f.error, (where, f.error)


@both
def test_bad_numbers_at_the_root_are_errors_of_the_file(tmp_path, stream):
    text = _fc_text([feature([SQUARE])]).replace(
        '"type": "FeatureCollection"', '"type": "FeatureCollection", "bbox": [NaN, 0, 1, 1]'
    )
    with pytest.raises(DataError, match=r"t\.geojson: the 'bbox' member holds NaN"):
        _read(text, tmp_path, stream)


@both
def test_utf8_bom_is_accepted(tmp_path, stream):
    text = b"\xef\xbb\xbf" + _fc_text([feature([SQUARE], name="Alep\u00e9")]).encode()
    _, (f,), _ = _read(text, tmp_path, stream)
    assert f.error is None and f.props == {"name": "Alep\u00e9"}
    assert rel(area_km2(f.geom), ring_km2(SQUARE)) < 1e-9


@both
def test_absurd_nesting_is_an_error_not_a_recursion_error(tmp_path, stream):
    # (streamed, the root is refused as an array before its depth is seen)
    with pytest.raises(DataError, match="nested far too deeply|must be an object, not an array"):
        _read("[" * 100_000 + "]" * 100_000, tmp_path, stream)
    with pytest.raises(DataError, match="nested far too deeply"):
        _read('{"type": ' + "[" * 100_000 + "]" * 100_000 + "}", tmp_path, stream)
    deep = _fc_text([feature([SQUARE])]).replace('"properties": {}', '"properties": {"a": X}')
    with pytest.raises(DataError, match="nested far too deeply"):
        _read(deep.replace("X", "[" * 50_000 + "]" * 50_000), tmp_path, stream)
    # deep enough to parse, too deep to be sensible: an error of that feature
    _, (f,), _ = _read(deep.replace("X", "[" * 500 + "]" * 500), tmp_path, stream)
    assert "property 'a' is nested more than 64 levels deep" in f.error
    # coordinates nested too deeply for their type
    text = _fc_text([feature([[[p] for p in SQUARE]])])
    _, (f,), _ = _read(text, tmp_path, stream)
    assert "nested too deeply" in f.error


@both
def test_unclosed_ring_is_closed_and_reported(tmp_path, stream):
    _, (f,), _ = _read(_fc_text([feature([SQUARE[:-1]])]), tmp_path, stream)
    assert f.error is None
    assert f.notes == ["ring 0: not closed (first position [36, 35], last [36, 36]); closed it"]
    assert rel(area_km2(f.geom), ring_km2(SQUARE)) < 1e-9


@both
def test_duplicate_keys_are_errors_where_they_are(tmp_path, stream):
    text = _fc_text([feature([SQUARE], faction="IS"), feature([SQUARE], faction="SAA")])
    text = text.replace('"faction": "SAA"', '"faction": "SAA", "faction": "SDF"')
    _, feats, _ = _read(text, tmp_path, stream)
    assert feats[0].error is None
    assert "'properties' repeats the key(s) 'faction'" in feats[1].error
    root = _fc_text([]).replace("{", '{"type": "Feature", ', 1)
    with pytest.raises(DataError, match=r"the root object repeats the key\(s\) 'type'"):
        _read(root, tmp_path, stream)


@both
def test_valid_edge_cases_are_accepted(tmp_path, stream):
    doc = {
        "type": "FeatureCollection",
        "bbox": [36, 35, 0, 37, 36, 10],
        "custom": {"anything": [1, "two", None]},
        "features": [
            {"type": "Feature", "properties": None, "geometry": None},
            {"type": "Feature", "id": 7, "properties": {}, "geometry": None, "custom": 1},
            {
                "type": "Feature",
                "id": "z",
                "properties": {"ok": True},
                "geometry": {"type": "Point", "coordinates": [36.5, 35.5, 120.0], "x": 1},
            },
            feature([[[*p, 5.0] for p in SQUARE]]),
        ],
    }
    _, feats, warnings = _read(json.dumps(doc), tmp_path, stream)
    assert warnings == []
    assert [(f.error, f.warnings, f.notes) for f in feats] == [(None, [], [])] * 4
    assert [f.label for f in feats[:3]] == ["0", "1 (id 7)", "2 (id 'z')"]
    assert rel(area_km2(feats[3].geom), ring_km2(SQUARE)) < 1e-9


# --- streaming large files ------------------------------------------------------------------


def _many_features(n: int) -> list[dict]:
    out = []
    for i in range(n):
        x = 30 + (i % 40) * 0.2
        y = 45 + (i // 40) * 0.2
        f = feature([rect(x, y, x + 0.1, y + 0.1, step=0.02)], faction=f"F{i % 3}", n=i)
        f["properties"]["name"] = "Kup\u2019yansk \u0436 \U0001f600"  # multi-byte characters
        out.append(f)
    return out


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_streamed_features_equal_whole_file_features(tmp_path, chunk):
    text = json.dumps(
        {"type": "FeatureCollection", "name": "x", "features": _many_features(60)}, indent=1
    )
    path = tmp_path / "t.geojson"
    path.write_text(text, encoding="utf-8")
    whole = list(parse_geojson(path.read_bytes(), "t").features)
    streamed = list(geojson_stream.stream_geojson(path, "t", chunk=chunk).features)
    assert len(whole) == len(streamed) == 60
    for a, b in zip(whole, streamed, strict=True):
        assert (a.index, a.fid, a.props, a.kind, a.error, a.notes) == (
            b.index,
            b.fid,
            b.props,
            b.kind,
            b.error,
            b.notes,
        )
        assert shapely.equals_exact(a.geom, b.geom, 0)


def test_streaming_holds_about_one_feature_of_text_at_a_time(tmp_path):
    path = tmp_path / "t.geojson"
    write_fc(path, _many_features(2000))
    size = path.stat().st_size
    g = geojson_stream.stream_geojson(path, "t", chunk=8192)
    win = g.features.gi_frame.f_locals["win"]
    n = sum(1 for _ in g.features)
    assert n == 2000
    assert size > 1_000_000
    assert win.max_window < 3 * 8192, (win.max_window, size)


def test_a_feature_larger_than_the_window_is_read_ring_by_ring(tmp_path, monkeypatch):
    polys = []
    for i in range(300):
        x, y = 30 + (i % 20) * 0.5, 45 + (i // 20) * 0.5
        polys.append([rect(x, y, x + 0.3, y + 0.3, step=0.01)])
    polys[7][0] = polys[7][0][:-1]  # an unclosed ring, to be reported the same way
    big = feature(polys, multi=True, faction="RU", date="2024-11-01")
    path = write_fc(tmp_path / "one.geojson", [feature([SQUARE]), big])
    calls = []
    real = geojson_stream.TextWindow.big_feature
    monkeypatch.setattr(
        geojson_stream.TextWindow, "big_feature", lambda self: calls.append(1) or real(self)
    )
    g = geojson_stream.stream_geojson(path, "one", chunk=4096)
    win = g.features.gi_frame.f_locals["win"]
    small, streamed = list(g.features)
    assert calls == [1]  # the small feature was decoded whole, the big one piece by piece
    assert path.stat().st_size > 100 * 4096 and win.max_window < 12 * 4096
    whole = list(parse_geojson(path.read_bytes(), "one").features)[1]
    assert (
        streamed.notes
        == whole.notes
        == [
            "polygon 7: ring 0: not closed (first position [33.5, 45], last [33.5, 45.01]); "
            "closed it"
        ]
    )
    assert shapely.equals_exact(streamed.geom, whole.geom, 0)
    assert rel(area_km2(streamed.geom), sum(ring_km2(p[0]) for p in polys)) < 1e-9


def test_streamed_file_honours_crs_and_type_after_the_features(tmp_path):
    ring = rect(39.0, 35.0, 39.5, 35.4, step=0.1)
    import pyproj

    utm = pyproj.Transformer.from_crs(4326, 32637, always_xy=True)
    projected = [list(utm.transform(x, y)) for x, y in ring]
    text = json.dumps(
        {
            "features": [feature([projected], faction="IS", date="2017-01-09")],
            "crs": {"type": "name", "properties": {"name": "EPSG:32637"}},
            "type": "FeatureCollection",
        }
    )
    path = tmp_path / "late-crs.geojson"
    path.write_text(text)
    g = geojson_stream.stream_geojson(path, "late-crs.geojson", chunk=50)
    assert g.crs == "EPSG:32637"
    for threshold in (0, None):  # streamed and whole
        geojson_threshold = geojson_stream.STREAM_THRESHOLD
        try:
            if threshold is not None:
                geojson_stream.STREAM_THRESHOLD = threshold
            layers = frontmap.read_layers(path)
        finally:
            geojson_stream.STREAM_THRESHOLD = geojson_threshold
        (snap,) = layers.snapshots.values()
        assert rel(area_km2(snap.territories["IS"]), ring_km2(ring)) < 1e-6


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.99])
def test_truncated_large_file_is_an_error_with_its_line(tmp_path, cut):
    text = json.dumps({"type": "FeatureCollection", "features": _many_features(50)}, indent=1)
    path = tmp_path / "cut.geojson"
    path.write_text(text[: int(len(text) * cut)], encoding="utf-8")
    with pytest.raises(DataError, match=r"cut\.geojson: not valid JSON: .* at line \d+, column"):
        list(read_geojson(path, "cut.geojson", threshold=0).features)
    with pytest.raises(DataError, match=r"cut\.geojson: not valid JSON: .* at line \d+, column"):
        list(read_geojson(path, "cut.geojson").features)
    # in a layers folder, the file's error is reported and the command fails cleanly
    r = invoke("check", path)
    assert r.exit_code == 1 and "cut.geojson" in r.output and "not valid JSON" in r.output


def test_large_file_reads_the_same_through_the_whole_pipeline(tmp_path, monkeypatch):
    feats = _many_features(30)
    for i, f in enumerate(feats):
        f["properties"]["date"] = f"2024-11-0{1 + i % 2}"
    write_fc(tmp_path / "all.geojson", feats)
    whole = frontmap.areas(frontmap.read_layers(tmp_path / "all.geojson").snapshots.values())
    monkeypatch.setattr(geojson, "STREAM_THRESHOLD", 0)
    streamed = frontmap.areas(frontmap.read_layers(tmp_path / "all.geojson").snapshots.values())
    assert whole == streamed and len(whole) == 6


# --- undated single files ----------------------------------------------------------------


def test_single_file_with_no_date_anywhere_is_one_undated_snapshot(tmp_path):
    path = write_fc(tmp_path / "territory.geojson", [feature([SQUARE], faction="IS")])
    layers = frontmap.read_layers(path)
    assert list(layers.snapshots) == [UNDATED]
    assert layers.report.all_errors == []
    (note,) = layers.report.files[0].notes
    assert "read as one undated snapshot" in note.message
    r = invoke("areas", path, "--format", "json")
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)
    assert row["date"] == "undated" and row["faction"] == "IS"
    assert rel(row["area_km2"], ring_km2(SQUARE)) < 1e-9
    r = invoke("check", path)
    assert r.exit_code == 0 and "note nothing gives this file a date" in r.stdout


def test_undated_features_beside_dated_ones_are_errors(tmp_path):
    path = write_fc(
        tmp_path / "territory.geojson",
        [feature([SQUARE], faction="IS", date="2017-01-09"), feature([SQUARE], faction="SAA")],
    )
    layers = frontmap.read_layers(path)
    (err,) = layers.report.all_errors
    assert err.feature == "1" and err.message.startswith("no date")
    assert [str(d) for d in layers.snapshots] == ["2017-01-09"]
    assert list(layers.snapshots[next(iter(layers.snapshots))].territories) == ["IS"]


def test_undated_files_in_a_folder_are_still_errors(tmp_path):
    write_fc(tmp_path / "a.geojson", [feature([SQUARE], faction="IS")])
    layers = frontmap.read_layers(tmp_path)
    assert layers.report.all_errors and not layers.snapshots


# --- the antimeridian --------------------------------------------------------------------


def _areas_of(tmp_path, rings_or_polys, multi=False):
    path = write_fc(tmp_path / "2024-01-01" / "FJ.geojson", [feature(rings_or_polys, multi=multi)])
    layers = frontmap.read_layers(path.parent.parent)
    (snap,) = layers.snapshots.values()
    geom = snap.territories["FJ"]
    xmin, _, xmax, _ = geom.bounds
    assert -180 <= xmin and xmax <= 180
    return geom, layers.report.all_repairs


@pytest.mark.parametrize(
    "ring",
    [
        [[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]],  # jump
        [[-179, 10], [179, 10], [179, 11], [-179, 11], [-179, 10]],  # jump, the other way
        [[179, 10], [181, 10], [181, 11], [179, 11], [179, 10]],  # beyond 180
        [[-181, 10], [-179, 10], [-179, 11], [-181, 11], [-181, 10]],  # beyond -180
    ],
)
def test_polygon_across_the_antimeridian_is_split_and_measured_right(tmp_path, ring):
    geom, repairs = _areas_of(tmp_path, [ring])
    # the halves keep the geodesic edges of the ring as drawn (179°E to 179°W the
    # short way), so together they measure what the unsplit ring does
    whole = ring_km2(rect(179, 10, 181, 11))
    assert rel(area_km2(geom), whole) < 1e-9
    assert len(shapely.get_parts(geom)) == 2
    assert any("split at ±180°" in n.message for n in repairs)


def test_antimeridian_polygon_with_a_hole(tmp_path):
    shell = [[178, 10], [-178, 10], [-178, 14], [178, 14], [178, 10]]
    hole = [[179.5, 11], [179.5, 12], [-179.5, 12], [-179.5, 11], [179.5, 11]]
    geom, _ = _areas_of(tmp_path, [shell, hole])
    # split at ±180°, the pieces keep the geodesic edges of the rings as drawn
    # (the cut at ±180° crosses four densified chords: a sliver of ~200 m² each)
    want = ring_km2(rect(178, 10, 182, 14)) - ring_km2(rect(179.5, 11, 180.5, 12))
    assert rel(area_km2(geom), want) < 1e-8


def test_polygon_wholly_beyond_180_is_shifted(tmp_path):
    geom, repairs = _areas_of(tmp_path, [rect(190, 10, 191, 11)])
    assert rel(area_km2(geom), ring_km2(rect(-170, 10, -169, 11))) < 1e-9
    assert any("shifted by 360°" in n.message for n in repairs)


def test_already_split_multipolygon_is_left_alone(tmp_path):
    geom, repairs = _areas_of(
        tmp_path, [[rect(179, 10, 180, 11)], [rect(-180, 10, -179, 11)]], multi=True
    )
    assert repairs == []
    want = ring_km2(rect(179, 10, 180, 11)) + ring_km2(rect(-180, 10, -179, 11))
    assert rel(area_km2(geom), want) < 1e-9


def test_implausible_antimeridian_crossings_are_errors(tmp_path):
    write_fc(tmp_path / "2024-01-01" / "A.geojson", [feature([rect(-190.6, 50, 13, 52)])])
    write_fc(
        tmp_path / "2024-01-01" / "B.geojson",
        [feature([[[-170, 80], [-90, 80], [0, 80], [90, 80], [170, 80], [-170, 80]]])],
    )
    layers = frontmap.read_layers(tmp_path)
    msgs = {e.file: e.message for e in layers.report.all_errors}
    assert "out of lon/lat range" in msgs[str(Path("2024-01-01/A.geojson"))]
    assert "encircles a pole" in msgs[str(Path("2024-01-01/B.geojson"))]


# --- suspicious data ---------------------------------------------------------------------


def _series(tmp_path, per_date: dict) -> Path:
    for date, factions in per_date.items():
        for fid, polys in factions.items():
            write_fc(tmp_path / date / f"{fid}.geojson", [feature([p]) for p in polys])
    return tmp_path


def test_stray_part_far_from_every_other_date_is_a_warning(tmp_path):
    home = rect(40, 35, 41, 36)
    path = _series(
        tmp_path,
        {
            "2017-01-01": {"IS": [home], "SAA": [rect(41, 35, 42, 36)]},
            "2017-01-08": {"IS": [home, rect(10, 50, 10.5, 50.5)], "SAA": [rect(41, 35, 42, 36)]},
            "2017-01-15": {"IS": [rect(40, 35, 40.8, 36)], "SAA": [rect(41, 35, 42, 36)]},
        },
    )
    layers = frontmap.read_layers(path)
    (s,) = stray_parts(layers.snapshots.values(), max_km=100)
    assert s.kind == "stray-part" and s.faction == "IS" and str(s.date) == "2017-01-08"
    km = float(re.search(r"lies ([\d,]+) km", s.message).group(1).replace(",", ""))
    nearest = GEOD.inv(10.5, 50, 40, 36)[2] / 1000  # corner to corner, computed here
    assert abs(km - nearest) < 0.005 * nearest
    assert "2017-01-08" in s.message and "(10.2" in s.message
    assert s.files == (str(Path("2017-01-08/IS.geojson")), str(Path("2017-01-08/SAA.geojson")))
    assert stray_parts(layers.snapshots.values(), max_km=3000) == []
    r = invoke("check", path)
    assert r.exit_code == 0 and "warning: " in r.stdout and "IS on 2017-01-08" in r.stdout
    assert invoke("check", path, "--strict").exit_code == 1
    assert invoke("check", path, "--strict", "--max-stray-km", 3000).exit_code == 0
    data = json.loads(invoke("check", path, "--format", "json").stdout)
    assert [x["kind"] for x in data["suspicious"]] == ["stray-part"]
    assert data["totals"]["warnings"] == 1


def test_swapped_lon_lat_is_named(tmp_path):
    home = rect(40, 35, 41, 36)
    swapped = [[y, x] for x, y in home]
    path = _series(
        tmp_path,
        {
            "2017-01-01": {"IS": [home]},
            "2017-01-08": {"IS": [swapped]},
            "2017-01-15": {"IS": [home]},
        },
    )
    found = stray_parts(frontmap.read_layers(path).snapshots.values())
    assert [str(s.date) for s in found] == ["2017-01-08"]
    assert "look swapped (lat, lon)" in found[0].message


def test_total_area_jump_is_a_warning(tmp_path):
    path = _series(
        tmp_path,
        {
            "2017-01-01": {"IS": [rect(40, 35, 41, 36)], "SAA": [rect(41, 35, 42, 36)]},
            "2017-01-08": {"IS": [rect(40, 35, 41, 36)]},  # SAA's file is missing
            "2017-01-15": {"IS": [rect(40, 35, 41, 36)], "SAA": [rect(41, 35, 42, 36)]},
        },
    )
    layers = frontmap.read_layers(path)
    found = area_jumps(layers.snapshots.values(), max_pct=20)
    assert [(str(s.date), s.kind) for s in found] == [
        ("2017-01-08", "area-jump"),
        ("2017-01-15", "area-jump"),
    ]
    a, b = area_km2(shapely.box(40, 35, 41, 36)), area_km2(shapely.box(41, 35, 42, 36))
    pct = -b / (a + b) * 100
    assert (
        f"({pct:+.1f}%)" in found[0].message and "largest change: SAA (missing)" in found[0].message
    )
    assert area_jumps(layers.snapshots.values(), max_pct=150) == []
    r = invoke("check", path, "--max-jump-pct", 20, "--strict")
    assert r.exit_code == 1 and "total area" in r.stdout
    assert invoke("check", path, "--max-jump-pct", 150, "--strict").exit_code == 0


def test_no_warnings_on_steady_data(tmp_path):
    path = _series(
        tmp_path,
        {
            f"2017-01-0{d}": {
                "IS": [rect(40, 35, 41 + d / 100, 36)],
                "SAA": [rect(41.5, 35, 42, 36)],
            }
            for d in range(1, 6)
        },
    )
    report = check_layers(frontmap.read_layers(path))
    assert report.warnings == [] and report.suspicious == []


# --- other formats and the places file ---------------------------------------------------


def test_damaged_files_of_other_formats_are_errors(tmp_path):
    import geopandas as gpd

    g = gpd.GeoDataFrame(
        {"faction": ["IS"], "date": ["2017-01-09"]},
        geometry=[shapely.box(36, 35, 37, 36)],
        crs=4326,
    )
    g.to_file(tmp_path / "ok.fgb", driver="FlatGeobuf")
    data = (tmp_path / "ok.fgb").read_bytes()
    (tmp_path / "cut.fgb").write_bytes(data[:300])
    (tmp_path / "junk.gpkg").write_bytes(bytes(range(256)) * 8)
    for name, message in (("cut.fgb", "holds no layers"), ("junk.gpkg", "cannot open")):
        r = invoke("check", tmp_path / name)
        assert r.exit_code == 1 and message in r.stdout, r.output
        r = invoke("areas", tmp_path / name)
        assert r.exit_code == 1 and f"{tmp_path / name}: {message}" in r.stderr, r.output


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"type": "FeatureCollection", "features": [[1], null, 3]}', None),
        ("[" * 50_000 + "]" * 50_000, "nested far too deeply"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"name": "X"}, "geometry": {"type": "Point", "coordinates": [1e400, 1]}}]}',
            "lon/lat out of range",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"name": "X"}, "geometry": {"type": "Point", "coordinates": ['
            + "9" * 400
            + ", 1]}}]}",
            "out of range",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"name": [[["X"]]]}, "geometry": {"type": "Point", "coordinates": [1, 1]}}]}',
            "name must be a string",
        ),
    ],
)
def test_hostile_places_files(tmp_path, text, message):
    path = tmp_path / "places.geojson"
    path.write_text(text)
    if message is None:
        assert frontmap.read_places(path) == []
    else:
        with pytest.raises(DataError, match=message):
            frontmap.read_places(path)
