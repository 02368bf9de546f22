"""GeoPackage exports: what QGIS and GDAL expect, read back with pyogrio and geopandas,
and the diff's numbers measured again (pyproj) on what was written."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import frontmap
from frontmap.cli import main

from .conftest import ROOT, polygon_km2

DIFF_LAYERS = ["territory", "claims", "transfers", "front_lines", "events"]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_gpkg(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpkg") / "change.gpkg"
    r = run("diff", "2017-01-09", "2017-01-16", ROOT / "layers", "-o", out)
    assert r.exit_code == 0, r.output
    return out


def test_layers_types_and_crs(demo_gpkg):
    import geopandas as gpd

    listed = pyogrio.list_layers(demo_gpkg)
    assert [str(n) for n, _ in listed] == DIFF_LAYERS
    for name, gtype in listed:
        info = pyogrio.read_info(demo_gpkg, layer=name)
        assert info["crs"] == "EPSG:4326"
        assert info["geometry_type"] == ("MultiLineString" if name == "front_lines"
                                         else "MultiPolygon") == gtype
        df = gpd.read_file(demo_gpkg, layer=name)
        assert len(df) == info["features"] > 0
        assert df.crs.to_epsg() == 4326
        # every geometry is of the declared type (promoted to Multi*), none mixed
        assert set(df.geometry.geom_type) == {gtype}
        assert df["id"].is_unique
        assert str(df["date" if "date" in df else "date_from"].dtype).startswith("datetime64")
    events = gpd.read_file(demo_gpkg, layer="events")
    assert events.loc[0, "by"] == '["IS"]' and events.loc[0, "parts_after"] == 2
    assert bool(events.loc[0, "main"]) is False


def test_geopackage_tables(demo_gpkg):
    con = sqlite3.connect(demo_gpkg)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute(
            "SELECT table_name, data_type, srs_id, description, last_change FROM gpkg_contents"
        ).fetchall()
        assert {r[0] for r in rows} == set(DIFF_LAYERS)
        for name, kind, srs, description, last_change in rows:
            assert kind == "features" and srs == 4326 and description, name
            assert last_change == "2017-01-16T00:00:00.000Z"  # the data's date, not now
        srs = con.execute(
            "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys "
            "WHERE srs_id = 4326"
        ).fetchone()
        assert srs == ("EPSG", 4326)
        meta = con.execute("SELECT metadata FROM gpkg_metadata").fetchall()
        assert meta and all("frontmap_provenance" in m[0] for m in meta)
    finally:
        con.close()


def test_gdal_validator(demo_gpkg, tmp_path):
    """GDAL's own GeoPackage validator (validate_gpkg.py from Debian's python3-gdal,
    `make gpkg-validator`), warnings counted as errors."""
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import osgeo_utils.samples.validate_gpkg"],
        capture_output=True,
    ) if SYSTEM_PYTHON.exists() else None
    if probe is None or probe.returncode != 0:
        pytest.skip("GDAL's validate_gpkg.py is not installed (apt-get install python3-gdal)")
    splits = tmp_path / "parts.gpkg"
    areas = tmp_path / "areas.gpkg"
    assert run("splits", "2017-01-16", ROOT / "layers", "-o", splits).exit_code == 0
    assert run("areas", ROOT / "layers", "-o", areas, "--simplify", "500").exit_code == 0
    for path in (demo_gpkg, splits, areas):
        r = subprocess.run(
            [str(SYSTEM_PYTHON), "-m", "osgeo_utils.samples.validate_gpkg", "--extra",
             "--warning-as-error", str(path)],
            capture_output=True, text=True,
        )
        assert r.returncode == 0, (path, r.stdout, r.stderr)


def test_numbers_are_exact(demo_gpkg):
    """GeoPackage keeps every digit: the claims and transfers measure the diff's km²."""
    import geopandas as gpd

    layers = frontmap.read_layers(ROOT / "layers")
    d = frontmap.diff_dates(layers, "2017-01-09", "2017-01-16")
    claims = gpd.read_file(demo_gpkg, layer="claims").set_index("id")
    for c in d.claims:
        g = claims.loc[f"claim/{c.from_holder}/{c.to_holder}/{c.counts_for}", "geometry"]
        assert polygon_km2(g) == pytest.approx(c.area_km2, rel=1e-9)
    transfers = gpd.read_file(demo_gpkg, layer="transfers").set_index("id")
    for t in d.transfers:
        g = transfers.loc[f"transfer/{t.from_holder}/{t.to_holder}", "geometry"]
        assert polygon_km2(g) == pytest.approx(t.area_km2, rel=1e-9)
    # the right-hand rule here too
    for g in claims.geometry:
        for p in shapely.get_parts(g):
            assert p.exterior.is_ccw


@pytest.mark.slow
def test_syria_every_layer(shared_data, tmp_path):
    import geopandas as gpd

    out = tmp_path / "syria.gpkg"
    r = run("diff", "2024-12-03", "2024-12-05", shared_data / "syria-control-2024-12",
            "--faction-field", "layer", "-o", out)
    assert r.exit_code == 0, r.output
    layers = frontmap.read_layers(shared_data / "syria-control-2024-12", faction_field="layer")
    d = frontmap.diff_dates(layers, "2024-12-03", "2024-12-05")
    names = [str(n) for n, _ in pyogrio.list_layers(out)]
    assert names == DIFF_LAYERS
    frames = {n: gpd.read_file(out, layer=n) for n in names}
    assert len(frames["claims"]) == len(d.claims) and len(frames["transfers"]) == len(d.transfers)
    assert len(frames["events"]) == len(d.events) == 0  # no topology event in these two days
    claims = frames["claims"].set_index("id")
    for c in d.claims:
        g = claims.loc[f"claim/{c.from_holder}/{c.to_holder}/{c.counts_for}", "geometry"]
        assert polygon_km2(g) == pytest.approx(c.area_km2, rel=1e-6)


def test_same_bytes_twice(tmp_path):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    for out in (a, b):
        assert run("diff", "2017-01-09", "2017-01-16", ROOT / "layers", "-o", out).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_splits_and_areas_layers(tmp_path):
    import geopandas as gpd

    out = tmp_path / "parts.gpkg"
    assert run("splits", "2017-01-16", ROOT / "layers", "-o", out).exit_code == 0
    assert [str(n) for n, _ in pyogrio.list_layers(out)] == ["parts"]
    parts = gpd.read_file(out, layer="parts")
    assert {"faction", "part", "area_km2", "main", "border_km", "near"} <= set(parts.columns)
    out = tmp_path / "areas.gpkg"
    assert run("areas", ROOT / "layers", "-o", out).exit_code == 0
    terr = gpd.read_file(out, layer="territory")
    assert len(terr) == 28 and set(terr.geometry.geom_type) == {"MultiPolygon"}
    for _, row in terr.iterrows():
        assert polygon_km2(row.geometry) == pytest.approx(row.area_km2, rel=1e-6)
