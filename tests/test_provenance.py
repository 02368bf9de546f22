"""Provenance in every output that can carry it: which files (with their SHA-256, as
hashlib computes it here), the factions, clip, places and basemap files, frontmap's
version and the method; the same bytes for the same inputs."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import frontmap
from frontmap.cli import main

from .conftest import ROOT, feature, rect, write_fc

METHOD = "geodesic areas on WGS84, edges as geodesics"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_record(record: dict, folder: Path, expected_files: list[str]) -> None:
    """The record names exactly ``expected_files`` (relative to ``folder``), each with
    the hash of its bytes, and the factions.toml of the folder when there is one."""
    assert record["version"] == frontmap.__version__
    assert record["method"] == METHOD
    src = record["source"]
    assert [f["path"] for f in src["files"]] == sorted(expected_files)
    for f in src["files"]:
        assert f["sha256"] == sha256(folder / f["path"]), f["path"]
    if (folder / "factions.toml").is_file():
        assert src["factions"] == {"path": "factions.toml",
                                   "sha256": sha256(folder / "factions.toml")}


def _demo_files(*dates: str) -> list[str]:
    return [f"{d}/{p.name}" for d in dates for p in sorted((ROOT / "layers" / d).glob("*.geojson"))]


def test_diff_json_and_geojson():
    layers = ROOT / "layers"
    for fmt in ("json", "geojson"):
        r = run("diff", "2017-01-09", "2017-01-16", layers, "--format", fmt)
        assert r.exit_code == 0, r.output
        record = json.loads(r.output)["frontmap"]
        check_record(record, layers, _demo_files("2017-01-09", "2017-01-16"))
        src = record["source"]
        assert src["layers"] == "layers" and src["clip"] is None and src["basemap"] is None
        assert src["places"] == {"path": "places.geojson",
                                 "sha256": sha256(layers / "places.geojson")}


def test_the_check_can_fail(tmp_path):
    """A changed byte in one input changes its recorded hash."""
    copy = tmp_path / "layers"
    shutil.copytree(ROOT / "layers", copy, ignore=shutil.ignore_patterns("_source"))
    before = json.loads(run("diff", "2017-01-09", "2017-01-16", copy, "--format",
                            "json").output)["frontmap"]
    target = copy / "2017-01-16" / "IS.geojson"
    target.write_bytes(target.read_bytes().rstrip() + b"\n\n")
    after = json.loads(run("diff", "2017-01-09", "2017-01-16", copy, "--format",
                           "json").output)["frontmap"]
    pairs = zip(before["source"]["files"], after["source"]["files"], strict=True)
    changed = [a["path"] for a, b in pairs if a != b]
    assert changed == ["2017-01-16/IS.geojson"]
    check_record(after, copy, _demo_files("2017-01-09", "2017-01-16"))
    with pytest.raises(AssertionError):
        check_record(before, copy, _demo_files("2017-01-09", "2017-01-16"))


def test_clip_places_and_paths_relative_to_the_layers(tmp_path, monkeypatch):
    """Paths are relative to the layers folder whatever the working folder; a clip
    outside it is named with ../; only the files of the dates used are listed."""
    data = tmp_path / "data"
    layers = data / "layers"
    for day, x1 in (("2020-01-01", 1.0), ("2020-01-08", 1.5), ("2020-01-15", 2.0)):
        write_fc(layers / f"A_{day}.geojson", [feature([rect(0, 0, x1, 1)], faction="A")])
        write_fc(layers / f"B_{day}.geojson", [feature([rect(x1, 0, 3, 1)], faction="B")])
    clip = write_fc(data / "outline.geojson", [feature([rect(-1, -1, 4, 2)])])
    places = data / "towns.csv"
    places.write_text("name,lat,lon\nAlpha,0.5,0.5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = run("diff", "2020-01-01", "2020-01-08", "data/layers", "--clip", "data/outline.geojson",
            "--places", places, "--format", "json")
    assert r.exit_code == 0, r.output
    record = json.loads(r.output)["frontmap"]
    check_record(record, layers, ["A_2020-01-01.geojson", "A_2020-01-08.geojson",
                                  "B_2020-01-01.geojson", "B_2020-01-08.geojson"])
    src = record["source"]
    assert src["clip"] == {"path": "../outline.geojson", "sha256": sha256(clip)}
    assert src["places"] == {"path": "../towns.csv", "sha256": sha256(places)}
    assert src["factions"] is None
    # the same record from another working folder
    monkeypatch.chdir(layers)
    r2 = run("diff", "2020-01-01", "2020-01-08", ".", "--clip", "../outline.geojson",
             "--places", "../towns.csv", "--format", "json")
    assert r2.output == r.output
    # no places file: the built-in gazetteer is named as such
    r3 = run("diff", "2020-01-01", "2020-01-08", ".", "--format", "json")
    assert json.loads(r3.output)["frontmap"]["source"]["places"]["builtin"].startswith(
        "GeoNames")


def test_shapefile_sidecars(tmp_path):
    import geopandas as gpd
    import shapely

    folder = tmp_path / "shp"
    folder.mkdir()
    for day in ("2020-01-01", "2020-01-08"):
        gdf = gpd.GeoDataFrame({"faction": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)],
                               crs="EPSG:4326")
        gdf.to_file(folder / f"zone_{day}.shp")
    r = run("diff", "2020-01-01", "2020-01-08", folder, "--format", "json")
    assert r.exit_code == 0, r.output
    files = [f["path"] for f in json.loads(r.output)["frontmap"]["source"]["files"]]
    for day in ("2020-01-01", "2020-01-08"):
        for ext in (".cpg", ".dbf", ".prj", ".shp", ".shx"):
            assert f"zone_{day}{ext}" in files


def test_page_carries_it(tmp_path):
    out = tmp_path / "page.html"
    r = run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline", "-o", out)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="frontmap-provenance">(.*?)</script>',
                  html, re.S)
    assert m
    record = json.loads(m.group(1))
    check_record(record, ROOT / "layers", _demo_files("2017-01-09", "2017-01-16"))
    assert record["source"]["basemap"]["builtin"].startswith("Natural Earth")
    line = re.search(r'<p class="fm-credit fm-provenance">(.*?)</p>', html).group(1)
    assert line.startswith("Data: 14 files in layers/ (2017-01-09/IQ.geojson")
    assert "factions: factions.toml" in line and METHOD in line
    assert f"frontmap {frontmap.__version__}" in line
    # the same inputs, the same bytes
    again = tmp_path / "again.html"
    run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline", "-o", again)
    assert again.read_bytes() == out.read_bytes()


def test_a_basemap_file_is_hashed(tmp_path):
    outline = write_fc(tmp_path / "countries.geojson", [feature([rect(34, 28, 50, 39)])])
    out = tmp_path / "page.html"
    r = run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline", "-o", out,
            "--basemap", outline)
    assert r.exit_code == 0, r.output
    m = re.search(r'id="frontmap-provenance">(.*?)</script>', out.read_text(), re.S)
    base = json.loads(m.group(1))["source"]["basemap"]
    assert base["sha256"] == sha256(outline) and base["path"].endswith("countries.geojson")


def _png_text(data: bytes) -> dict[str, str]:
    from PIL import Image

    return dict(Image.open(io.BytesIO(data)).text)


def test_images_carry_it(tmp_path):
    files = _demo_files("2017-01-09", "2017-01-16")
    for ext in ("png", "svg", "pdf"):
        out = tmp_path / f"pair.{ext}"
        r = run("compare", "2017-01-09", "2017-01-16", ROOT / "layers", "--offline",
                "-o", tmp_path / "page.html", "--image", out)
        assert r.exit_code == 0, r.output
        data = out.read_bytes()
        if ext == "png":
            text = _png_text(data)
            record = json.loads(text["Provenance"])
            assert text["Description"].startswith("Data: 14 files")
        elif ext == "svg":
            m = re.search(r"<dc:source>(.*?)</dc:source>", data.decode(), re.S)
            import html

            record = json.loads(html.unescape(m.group(1)))
        else:
            m = re.search(rb"/Provenance \((.*?)\) ?/", data, re.S) or re.search(
                rb"/Provenance \((.*?)\)\s*>>", data, re.S)
            raw = m.group(1).replace(rb"\(", b"(").replace(rb"\)", b")").replace(rb"\\", b"\\")
            record = json.loads(raw.decode("latin-1"))
            assert b"CreationDate" not in data
        check_record(record, ROOT / "layers", files)


def test_build_index_and_outputs(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(ROOT / "layers", work / "layers", ignore=shutil.ignore_patterns("_source"))
    (work / "frontmap.toml").write_text(
        'title = "t"\n[defaults]\nlayers = "layers"\noutput = "out"\n'
        '[[map]]\nname = "m"\nfrom = "2017-01-09"\nto = "2017-01-16"\npng = true\n'
        '[[map]]\nname = "two"\nfrom = "2017-01-09"\nto = "2017-01-16"\nchart = false\n',
        encoding="utf-8",
    )
    r = run("build", "--config", work / "frontmap.toml", "--quiet")
    assert r.exit_code == 0, r.output
    out = work / "out"
    index = (out / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="frontmap-provenance">(.*?)</script>',
                  index, re.S)
    records = json.loads(m.group(1))
    assert set(records) == {"m", "two"}
    all_dates = sorted(p.name for p in (work / "layers").iterdir() if p.is_dir())
    # the page draws the area chart of every date: every file gave it
    check_record(records["m"], work / "layers", _demo_files(*all_dates))
    check_record(records["two"], work / "layers", _demo_files("2017-01-09", "2017-01-16"))
    assert index.count('<p class="data">Data: ') == 2
    diff_json = json.loads((out / "m.diff.json").read_text())["frontmap"]
    check_record(diff_json, work / "layers", _demo_files("2017-01-09", "2017-01-16"))
    assert json.loads(_png_text((out / "m.png").read_bytes())["Provenance"]) == records["m"]
    # a rebuild changes nothing
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    r = run("build", "--config", work / "frontmap.toml", "--quiet", "--force")
    assert r.exit_code == 0
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_library(tmp_path):
    from frontmap.render.provenance import provenance_of

    layers = frontmap.read_layers(ROOT / "layers")
    record = provenance_of(layers)
    check_record(record, ROOT / "layers", _demo_files(*[d.isoformat() for d in layers.dates]))
    assert json.dumps(record) == json.dumps(provenance_of(frontmap.read_layers(ROOT / "layers")))

