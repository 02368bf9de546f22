"""Fuzzing the reader: random polygons, random JSON, corrupted files.

Whatever the bytes, reading raises nothing but DataError (or ConfigError),
``frontmap check`` exits 0 or 1 and never shows a traceback, and a file read
whole or streamed gives the same answer. Examples that once found a bug are
kept with ``@example``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import frontmap
from frontmap.cli import main
from frontmap.errors import ConfigError, DataError
from frontmap.read.geojson import GEOMETRY_TYPES, parse_geojson
from frontmap.read.geojson import stream as geojson_stream

#: examples per property (FRONTMAP_FUZZ_EXAMPLES=5000 for a long hunt)
N = int(os.environ.get("FRONTMAP_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=N,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ------------------------------------------------------------------------------

_SPECIAL = [0.0, -0.0, 180.0, -180.0, 180.000001, 90.0, -90.0, 359.9, 540.1, 1e308, -1e308, 5e-324]
# floats json.dumps writes as literals that are not JSON, or that overflow when read back
_MARK_OVERFLOW = 1.2345678e300

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-200, max_value=200),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(_SPECIAL + [_MARK_OVERFLOW]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=8),
    st.sampled_from(["37.5", "NaN", "", "2017-01-09", "IS", "\u00a0IS\u00a0"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["type", "a", "date", "faction", "crs"]), inner, max_size=3
        ),
    ),
    max_leaves=12,
)
# coordinates of random depth and shape
coordinates = st.recursive(
    st.one_of(numbers, st.sampled_from(["1", None, True])),
    lambda inner: st.lists(inner, max_size=6),
    max_leaves=40,
)
types = st.one_of(
    st.sampled_from((*GEOMETRY_TYPES, "Feature", "FeatureCollection", "polygon", "")),
    json_values,
)


@st.composite
def geometries(draw, depth=0):
    kind = draw(types)
    g = {"type": kind}
    if kind == "GeometryCollection" and depth < 3:
        g["geometries"] = draw(st.lists(geometries(depth + 1), max_size=3))
    elif draw(st.booleans()):
        g["coordinates"] = draw(coordinates)
    else:
        g["coordinates"] = draw(rings_of_polygon())
    if draw(st.integers(0, 5)) == 0:
        g["bbox"] = draw(json_values)
    return g


@st.composite
def rings_of_polygon(draw):
    """Polygon coordinates that are mostly well formed, with wild numbers."""
    lon = st.one_of(st.floats(-180, 180), numbers)
    lat = st.one_of(st.floats(-90, 90), numbers)
    rings = []
    for _ in range(draw(st.integers(1, 3))):
        pts = draw(st.lists(st.tuples(lon, lat), min_size=0, max_size=8))
        ring = [list(p) for p in pts]
        if ring and draw(st.booleans()):
            ring.append(ring[0])
        rings.append(ring)
    return rings


@st.composite
def features(draw):
    f = {"type": draw(st.sampled_from(["Feature", "Feature", "Feature", "feature", None]))}
    if draw(st.integers(0, 9)):
        f["geometry"] = draw(st.one_of(st.none(), geometries(), json_values))
    if draw(st.integers(0, 9)):
        f["properties"] = draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "faction": json_values,
                        "date": st.one_of(st.sampled_from(["2017-01-09", "20170110"]), json_values),
                        "name": json_values,
                    },
                ),
                json_values,
            )
        )
    if draw(st.integers(0, 4)) == 0:
        f["id"] = draw(json_values)
    return f


@st.composite
def documents(draw):
    feats = draw(st.lists(st.one_of(features(), json_values), max_size=4))
    doc = {"type": "FeatureCollection", "features": feats}
    if draw(st.integers(0, 5)) == 0:
        doc["crs"] = draw(
            st.one_of(
                json_values,
                st.sampled_from(
                    [
                        {"type": "name", "properties": {"name": "EPSG:3857"}},
                        {"type": "name", "properties": {"name": "EPSG:999999"}},
                        {"type": "link", "properties": {"href": "x"}},
                    ]
                ),
            )
        )
    if draw(st.integers(0, 5)) == 0:
        doc = draw(st.one_of(features(), geometries(), json_values))
    return doc


def dumps(doc) -> bytes:
    text = json.dumps(doc, allow_nan=True)
    return text.replace(repr(_MARK_OVERFLOW), "1e400").encode("utf-8")


def _good_document() -> bytes:
    def poly(x, y, **props):
        ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    doc = {
        "type": "FeatureCollection",
        "features": [
            poly(36, 35, faction="IS", date="2017-01-09"),
            poly(37, 35, faction="SAA", date="2017-01-09", note=[1, {"a": None}]),
            poly(179.5, 10, faction="FJ", date="2017-01-10"),
        ],
    }
    return json.dumps(doc).encode()


GOOD = _good_document()

# --- helpers ---------------------------------------------------------------------------------


def outcome_whole(data: bytes):
    try:
        g = parse_geojson(data, "f.geojson")
        return ("ok", g.crs, [_key(f) for f in g.features], list(g.warnings))
    except DataError as exc:
        assert exc.file == "f.geojson" and exc.problem
        return ("error",)


def outcome_streamed(data: bytes, chunk: int):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.geojson"
        path.write_bytes(data)
        try:
            g = geojson_stream.stream_geojson(path, "f.geojson", chunk=chunk)
            feats = [_key(f) for f in g.features]
            return ("ok", g.crs, feats, list(g.warnings))
        except DataError as exc:
            assert exc.file == "f.geojson" and exc.problem
            return ("error",)


def _key(f):
    return (
        f.index,
        repr(f.fid),
        repr(f.props),
        f.kind,
        f.error,
        tuple(f.notes),
        tuple(f.warnings),
        None if f.geom is None else f.geom.wkb,
    )


def read_pipeline(data: bytes, name: str = "f_2017-01-09.geojson"):
    """The whole reader on one file: only DataError / ConfigError may escape."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            layers = frontmap.read_layers(path)
        except (DataError, ConfigError):
            return None
        for snap in layers.snapshots.values():
            for geom in snap.territories.values():
                assert geom.is_valid and not geom.is_empty
                xmin, ymin, xmax, ymax = geom.bounds
                assert -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90
                assert math.isfinite(frontmap.area_km2(geom))
        for note in layers.report.all_errors + layers.report.all_repairs:
            assert note.file == str(path) and note.message
        return layers


def check_exit(data: bytes, name: str = "f.geojson") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        before = path.read_bytes()
        r = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
        assert path.read_bytes() == before
        assert r.exit_code in (0, 1), r.output
        assert "Traceback" not in r.output and "internal error" not in r.output
        return r.exit_code


# --- properties ------------------------------------------------------------------------------


@FUZZ
@given(documents())
@example({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]})
@example(
    {  # a ring that jumps across the antimeridian
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[179, 0], [-179, 0], [-179, 1], [179, 1]]],
        },
    }
)
@example(  # split at the antimeridian, a vertex came out at -180.00000000000006
    {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [180, -3e-261], [1, 0], [1, -1], [-179.9, -8e-100], [152.9, 0], [180, 0],
                    [-179, 1],
                ]
            ],
        },
    }
)
@example(  # a boolean coordinate (numpy would read it as 1.0)
    {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, True], [1, 1], [0, 0]]]},
    }
)
def test_random_documents_never_crash_the_reader(doc):
    data = dumps(doc)
    read_pipeline(data)
    read_pipeline(data, name="undated.geojson")


@FUZZ
@given(documents(), st.sampled_from([1, 3, 64]))
@example({"type": "FeatureCollection", "features": [1, [2], "x"]}, 1)
@example({"type": "Feature", "id": 0.0}, 1)  # "0." at the window's end was read as 0
@example({"features": [], "type": "FeatureCollection", "crs": {"type": "EPSG"}}, 3)
def test_whole_and_streamed_reading_agree(doc, chunk):
    data = dumps(doc)
    assert outcome_whole(data) == outcome_streamed(data, chunk)


@st.composite
def corruptions(draw):
    data = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat", "nest"]))
        i = draw(st.integers(0, len(data)))
        if op == "truncate":
            del data[i:]
        elif op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(
                st.one_of(
                    st.binary(max_size=6),
                    st.sampled_from([b"NaN", b"Infinity", b"1e400", b'"', b"\\", b"\xef\xbb\xbf"]),
                )
            )
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 20))]
        elif op == "repeat":
            data[i:i] = data[i : i + draw(st.integers(1, 40))]
        elif op == "nest":
            n = draw(st.integers(1, 3000))
            data[i:i] = b"[" * n + b"]" * n
    return bytes(data)


@FUZZ
@given(corruptions())
@example(GOOD[:-1])
@example(GOOD.replace(b"[37, 35]", b"[37, NaN]"))
@example(b"\xef\xbb\xbf" + GOOD)
@example(GOOD.replace(b'"date"', b'"date": "x", "date"', 1))
def test_corrupted_files_never_crash_and_both_readers_agree(data):
    read_pipeline(data)
    whole = outcome_whole(data)
    if data.count(b"[") < 400:  # past that the two may hit Python's parser depth differently
        assert whole == outcome_streamed(data, 7)


@settings(max_examples=max(10, N // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(corruptions(), documents().map(dumps)))
@example(b"[" * 100_000)
@example(GOOD.replace(b"36, 35", b'"36", 35', 1))
def test_check_command_never_fails_with_a_traceback(data):
    check_exit(data)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(-200, 200), st.sampled_from([179.9, -179.9, 180.0, -180.0])),
            st.floats(-91, 91),
        ),
        min_size=3,
        max_size=12,
    )
)
@example([(179.0, 10.0), (-179.0, 10.0), (-179.0, 11.0), (179.0, 11.0)])
@example([(170.0, 10.0), (-170.0, 10.0), (-90.0, 10.0), (0.0, 10.0), (0.0, 11.0), (-170.0, 11.0)])
@example([(0.0, 0.0), (0.0, 0.0), (0.0, 0.0)])
def test_random_polygons_are_read_valid_or_refused(points):
    ring = [list(p) for p in points] + [list(points[0])]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"faction": "X", "date": "2017-01-09"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    layers = read_pipeline(json.dumps(doc).encode())
    assert layers is not None
    report = layers.report
    if report.all_errors:
        (err,) = report.all_errors
        assert err.feature == "0"
    elif layers.snapshots:
        (snap,) = layers.snapshots.values()
        assert list(snap.territories) == ["X"]


@pytest.mark.parametrize("depth", [10, 63, 64, 65, 500, 990, 5000])
def test_nesting_depths_in_a_property(depth):
    doc = (
        '{"type": "Feature", "properties": {"a": '
        + "[" * depth
        + "]" * depth
        + '}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}'
    )
    try:
        (f,) = list(parse_geojson(doc.encode(), "d.geojson").features)
    except DataError as exc:
        assert depth >= 990 and "nested far too deeply" in str(exc)
        return
    if depth > 63:
        assert "nested more than 64 levels deep" in f.error
    else:
        assert f.error is None


@FUZZ
@given(st.one_of(documents().map(dumps), corruptions()))
@example(b'{"features": [{"geometry": {"type": "Point", "coordinates": [1e999, 0]}}]}')
def test_places_files_never_crash(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "places.geojson"
        path.write_bytes(data)
        try:
            places = frontmap.read_places(path)
        except DataError:
            return
        for p in places:
            assert isinstance(p.name, str) and math.isfinite(p.lon) and math.isfinite(p.lat)
