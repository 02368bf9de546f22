"""The synthetic series generator and the bench's smoke run."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pyproj
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.polygon import orient

import frontmap
from frontmap.bench import bench, synthetic

GEOD = pyproj.Geod(ellps="WGS84")


def km2(geom) -> float:
    """Geodesic area computed here with pyproj, independently of frontmap."""
    total = 0.0
    for p in shapely.get_parts(geom):
        if p.geom_type == "Polygon":
            total += abs(GEOD.geometry_area_perimeter(orient(p, 1.0))[0])
        elif p.geom_type in ("MultiPolygon", "GeometryCollection"):
            total += km2(p) * 1e6
    return total / 1e6


def load_folders(out: Path) -> dict[str, dict[str, shapely.Geometry]]:
    snaps = {}
    for day in sorted(p for p in out.iterdir() if p.is_dir()):
        snaps[day.name] = {
            f.stem: shape(json.loads(f.read_bytes())["features"][0]["geometry"])
            for f in sorted(day.glob("*.geojson"))
        }
    return snaps


def tree_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def series40(tmp_path_factory):
    """40 days, 3 factions, 3,000 vertices; frequent identical days, no jumps."""
    out = tmp_path_factory.mktemp("syn40")
    files = synthetic.generate(out, days=40, seed=7, same_prob=0.2, jump_prob=0.0)
    return out, files


def test_writes_the_folder_layout(series40):
    out, files = series40
    assert len(files) == 120
    assert files[0] == out / "2022-03-01" / "F1.geojson"
    assert sorted(p.name for p in (out / "2022-04-09").iterdir()) == [
        "F1.geojson",
        "F2.geojson",
        "F3.geojson",
    ]
    assert not list(out.rglob(".tmp-*"))  # no temporary file left behind
    man = synthetic.read_manifest(out)
    assert man["params"]["days"] == 40 and len(man["days"]) == 40


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        synthetic.generate(tmp_path / name, days=4, seed=seed, vertices=800)
    a, b, c = (tree_bytes(tmp_path / n) for n in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[k] != c[k] for k in a if k.endswith(".geojson"))


def test_first_days_of_a_longer_series_are_the_same(tmp_path):
    synthetic.generate(tmp_path / "short", days=3, seed=5, vertices=600)
    synthetic.generate(tmp_path / "long", days=8, seed=5, vertices=600)
    short = {k: v for k, v in tree_bytes(tmp_path / "short").items() if k.endswith(".geojson")}
    long = tree_bytes(tmp_path / "long")
    assert short and all(long[k] == v for k, v in short.items())


def test_realistic_size_place_and_vertices(series40):
    out, _ = series40
    snaps = load_folders(out)
    first = snaps["2022-03-01"]
    nv = sum(shapely.get_num_coordinates(g) for g in first.values())
    assert 2500 <= nv <= 3500
    xmin, ymin, xmax, ymax = shapely.union_all(list(first.values())).bounds
    assert 34.5 < xmin < 35.5 and 39.5 < xmax < 40.5 and 46 < ymin < 47 and 49.5 < ymax < 50.5
    total = sum(km2(g) for g in first.values())
    assert 100_000 < total < 200_000  # eastern-Ukraine sized
    # pockets (extra polygons) and holes exist
    polys = [p for g in first.values() for p in shapely.get_parts(g)]
    assert len(polys) > 3
    assert sum(len(p.interiors) for p in polys) >= 2


def test_coordinates_have_at_most_six_decimals(series40):
    out, files = series40
    text = files[0].read_text()
    numbers = re.findall(r"-?\d+\.\d+", text)
    assert numbers and all(len(n.split(".")[1]) <= 6 for n in numbers)


def test_partition_valid_disjoint_with_exact_shared_borders(series40):
    out, _ = series40
    snaps = load_folders(out)
    totals = []
    for date, terr in snaps.items():
        for fid, g in terr.items():
            assert shapely.is_valid(g), (date, fid, shapely.is_valid_reason(g))
        for (fa, a), (fb, b) in itertools.combinations(terr.items(), 2):
            assert km2(shapely.intersection(a, b)) < 1e-6, (date, fa, fb)
        # neighbours share the front exactly: a long common boundary, not a sliver gap
        front = shapely.intersection(terr["F1"].boundary, terr["F2"].boundary)
        assert shapely.length(front) > 3.0, date  # degrees: the front runs ~3.4° north-south
        # every faction + lakes tile a fixed region: the total never changes
        totals.append(sum(km2(g) for g in terr.values()))
    assert max(totals) - min(totals) < 0.01


def test_daily_changes_small_and_identical_days(series40):
    out, _ = series40
    snaps = load_folders(out)
    events = {d["date"]: d for d in synthetic.read_manifest(out)["days"]}
    dates = list(snaps)
    changes, same_days = [], 0
    for a, b in itertools.pairwise(dates):
        moved = sum(km2(shapely.difference(snaps[b][f], snaps[a][f])) for f in snaps[b])
        if events[b]["kind"] == "same":
            same_days += 1
            assert moved == 0
            for f in snaps[b]:
                assert (out / b / f"{f}.geojson").read_bytes() == (
                    out / a / f"{f}.geojson"
                ).read_bytes()
        else:
            changes.append(moved)
    assert same_days >= 2
    assert max(changes) < 500
    changes.sort()
    assert 1 < changes[len(changes) // 2] < 100  # a few to tens of km² a day


def test_big_jumps_are_big(tmp_path):
    synthetic.generate(tmp_path, days=6, seed=2, vertices=1500, same_prob=0, jump_prob=1.0)
    snaps = load_folders(tmp_path)
    events = {d["date"]: d for d in synthetic.read_manifest(tmp_path)["days"]}
    jumps = []
    for a, b in itertools.pairwise(list(snaps)):
        if events[b]["kind"] == "jump" and events[b]["moves"]:
            jumps.append(sum(km2(shapely.difference(snaps[b][f], snaps[a][f])) for f in snaps[b]))
    assert jumps and min(jumps) > 150


def test_frontmap_reads_both_layouts_cleanly(tmp_path):
    for layout in synthetic.LAYOUTS:
        out = tmp_path / layout
        synthetic.generate(out, days=3, seed=1, vertices=900, layout=layout)
        layers = frontmap.read_layers(out)
        assert [d.isoformat() for d in layers.dates] == ["2022-03-01", "2022-03-02", "2022-03-03"]
        assert set(layers.snapshots[layers.dates[0]].territories) == {"F1", "F2", "F3"}
        assert not layers.report.all_errors
        assert not layers.report.all_repairs
    names = sorted(p.name for p in (tmp_path / "dated-files").glob("*.geojson"))
    assert names == [f"synthetic_2022030{i}.geojson" for i in (1, 2, 3)]


def test_big_file_streams_dated_features(tmp_path):
    path = synthetic.big_file(tmp_path / "big.geojson", target_mb=0.3, seed=0, vertices=600)
    size = path.stat().st_size
    assert 300_000 <= size < 400_000
    doc = json.loads(path.read_bytes())
    props = [f["properties"] for f in doc["features"]]
    assert {p["faction"] for p in props} == {"F1", "F2", "F3"}
    assert len({p["date"] for p in props}) > 5
    layers = frontmap.read_layers(path)
    assert len(layers.dates) == len({p["date"] for p in props})
    assert not layers.report.all_errors


def test_command_line(tmp_path, capsys):
    argv = [str(tmp_path), "--days", "2", "--vertices", "300", "--factions", "2"]
    assert synthetic.main(argv) == 0
    names = sorted(p.name for p in (tmp_path / "2022-03-02").iterdir())
    assert names == ["F1.geojson", "F2.geojson"]
    assert "2/2 days" in capsys.readouterr().err


def test_bench_quick_smoke(tmp_path, capsys):
    md = tmp_path / "bench.md"
    code = bench.main(
        ["--quick", "--no-real", "--synthetic", "5", "--vertices", "600",
         "--cache", str(tmp_path / "cache"), "--out", str(md), "--json"]
    )
    results = json.loads(capsys.readouterr().out)
    assert code == 0
    (w,) = results["workloads"]
    assert w["workload"] == "synthetic-5d" and w["files"] == 15
    assert w["rows_compared"] == 12 and w["rows_unmatched"] == 0
    assert w["same_numbers_km2"] <= 0.01
    for key in ("frontmap_s", "baseline_s", "read_only_s", "parse_json_s", "frontmap_rss_mb"):
        assert w[key] > 0
    header = md.read_text().splitlines()[2]
    for col in ("workload", "frontmap (s)", "baseline (s)", "read-only (s)", "parse JSON (s)",
                "frontmap / read-only", "baseline / frontmap", "frontmap peak RSS (MB)",
                "same numbers"):
        assert col in header
    # the cached series is reused, not regenerated
    cached = tmp_path / "cache" / "synthetic-5d-seed0-f3-v600"
    before = (cached / synthetic.MANIFEST).stat().st_mtime_ns
    assert bench.synthetic_set(tmp_path / "cache", 5, 0, 600) == cached
    assert (cached / synthetic.MANIFEST).stat().st_mtime_ns == before
