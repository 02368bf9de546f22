"""The reader: layouts, formats, CRS, faction rules, repair, refusal."""

import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely

import frontmap
from frontmap.analysis.measure import areas
from frontmap.errors import ConfigError, DataError

from .conftest import feature, rect, rel, ring_km2, write_fc

D1 = dt.date(2017, 1, 9)
D2 = dt.date(2017, 1, 16)


def area_of(layers, date, faction):
    return frontmap.area_km2(layers.snapshot(date).territories[faction])


# --- layouts ---------------------------------------------------------------


def test_layout_1_folder_per_date_file_per_faction(tmp_path):
    a, b = rect(40, 35, 41, 36), rect(41, 35, 42, 36)
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([a])])
    write_fc(tmp_path / "2017-01-09" / "SAA.geojson", [feature([b])])
    write_fc(tmp_path / "2017-01-16" / "IS.geojson", [feature([a]), feature([b])])
    layers = frontmap.read_layers(tmp_path)
    assert layers.dates == [D1, D2]
    assert layers.snapshot(D1).factions == ["IS", "SAA"]
    assert layers.snapshot(D2).factions == ["IS"]
    assert rel(area_of(layers, D1, "IS"), ring_km2(a)) < 1e-6
    # on 01-16 IS holds both squares: their union, counted once
    assert rel(area_of(layers, D2, "IS"), ring_km2(rect(40, 35, 42, 36, step=1))) < 1e-6


def test_layout_2_faction_and_date_as_properties(tmp_path):
    a, b = rect(0, 0, 1, 1), rect(1, 0, 2, 1)
    write_fc(
        tmp_path / "all.geojson",
        [
            feature([a], side="IS", day="2017-01-09"),
            feature([b], side="SAA", day="2017-01-09"),
            feature([b], side="IS", day="2017-01-16T12:00:00Z"),
        ],
    )
    layers = frontmap.read_layers(tmp_path, faction_field="side", date_field="day")
    assert layers.dates == [D1, D2]
    assert set(layers.snapshot(D1).factions) == {"IS", "SAA"}
    assert rel(area_of(layers, D2, "IS"), ring_km2(b)) < 1e-6


def test_layout_2_default_field_names_and_single_file_argument(tmp_path):
    path = write_fc(
        tmp_path / "x.geojson",
        [feature([rect(0, 0, 1, 1)], faction="KRG", date="20170109")],
    )
    layers = frontmap.read_layers(path)
    assert layers.dates == [D1] and layers.snapshot(D1).factions == ["KRG"]


@pytest.mark.parametrize(
    "name",
    [
        "deepstatemap_data_20170109.geojson",
        "Syria_commit9b2d58d_2017-01-09.geojson",
        "20170109T211111Z_1730495471.geojson",
    ],
)
def test_layout_3_date_in_file_name(tmp_path, name):
    write_fc(tmp_path / "occupied" / name, [feature([rect(37, 47, 38, 48)])])
    layers = frontmap.read_layers(tmp_path / "occupied")
    assert layers.dates == [D1]
    # no faction anywhere: the file becomes one faction named after its folder
    assert layers.snapshot(D1).factions == ["occupied"]


def test_layout_3_faction_from_property(tmp_path):
    write_fc(
        tmp_path / "control_2017-01-09.geojson",
        [feature([rect(0, 0, 1, 1)], layer="HTS"), feature([rect(1, 0, 2, 1)], layer="SAA")],
    )
    layers = frontmap.read_layers(tmp_path, faction_field="layer")
    assert layers.snapshot(D1).factions == ["HTS", "SAA"]


def test_file_without_any_date_is_an_error_naming_the_fix(tmp_path):
    write_fc(tmp_path / "nodate.geojson", [feature([rect(0, 0, 1, 1)], faction="IS")])
    layers = frontmap.read_layers(tmp_path)
    errors = layers.report.all_errors
    assert errors and "no date" in errors[0].message and "--date-field" in errors[0].message
    assert errors[0].file == "nodate.geojson"


def test_ignored_names_and_places_file(tmp_path):
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([rect(0, 0, 1, 1)])])
    write_fc(tmp_path / "_drafts" / "2017-01-09" / "SAA.geojson", [feature([rect(1, 0, 2, 1)])])
    write_fc(tmp_path / "2017-01-09" / ".hidden.geojson", [feature([rect(1, 0, 2, 1)])])
    (tmp_path / "places.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Raqqa"},
                        "geometry": {"type": "Point", "coordinates": [39.01, 35.95]},
                    }
                ],
            }
        )
    )
    (tmp_path / "README.md").write_text("notes")
    layers = frontmap.read_layers(tmp_path)
    assert layers.snapshot(D1).factions == ["IS"]
    assert [p.name for p in layers.places] == ["Raqqa"]


def test_built_in_towns_are_loaded_only_when_a_place_is_named(tmp_path):
    """Without a places file the gazetteer (a second to load) stands in, loaded on
    first use: ``timeline`` and ``areas`` never load it; ``diff`` names its towns."""
    from click.testing import CliRunner

    from frontmap.cli import main
    from frontmap.read import gazetteer

    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([rect(38.9, 35.9, 39.1, 36.0)])])
    write_fc(tmp_path / "2017-01-16" / "IS.geojson", [feature([rect(38.9, 35.9, 39.05, 36.0)])])
    gazetteer._cities.cache_clear()
    layers = frontmap.read_layers(tmp_path)
    assert not layers.places.loaded and layers.inputs.gazetteer
    for args in (["timeline", str(tmp_path)], ["areas", str(tmp_path)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
        assert gazetteer._cities.cache_info().currsize == 0, args
    # on first use: the towns the gazetteer gives for the territory's bounds
    expected = gazetteer.gazetteer_places((38.9, 35.9, 39.1, 36.0))
    assert "Ar Raqqah" in [p.name for p in expected]
    assert list(layers.places) == expected and layers.places == expected
    assert len(layers.places) == len(expected) and layers.places[0] == expected[0]
    r = CliRunner().invoke(main, ["diff", "2017-01-09", "2017-01-16", str(tmp_path),
                                  "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "Ar Raqqah" in r.output


# --- formats and CRS -----------------------------------------------------------


def _gdf(rings, crs="EPSG:4326", **cols):
    return gpd.GeoDataFrame(cols, geometry=[shapely.Polygon(r) for r in rings], crs=crs)


def test_geopackage_in_projected_crs_is_reprojected(tmp_path):
    ring = rect(39.0, 35.0, 39.5, 35.4, step=0.1)
    g = _gdf([ring], faction=["IS"], date=["2017-01-09"]).to_crs("EPSG:32637")
    g.to_file(tmp_path / "utm.gpkg", layer="territory", driver="GPKG")
    layers = frontmap.read_layers(tmp_path)
    assert rel(area_of(layers, D1, "IS"), ring_km2(ring)) < 1e-6


def test_geopackage_with_several_layers_names_factions_by_layer(tmp_path):
    path = tmp_path / "2017-01-09.gpkg"
    _gdf([rect(0, 0, 1, 1)], n=[1]).to_file(path, layer="IS", driver="GPKG")
    _gdf([rect(1, 0, 2, 1)], n=[1]).to_file(path, layer="Daesh", driver="GPKG")
    _gdf([rect(2, 0, 3, 1)], n=[1]).to_file(path, layer="SAA", driver="GPKG")
    factions = tmp_path / "f.toml"
    factions.write_text('[factions.IS]\naliases = ["Daesh"]\n')
    layers = frontmap.read_layers(tmp_path, factions_file=factions)
    assert layers.snapshot(D1).factions == ["IS", "SAA"]
    assert rel(area_of(layers, D1, "IS"), ring_km2(rect(0, 0, 2, 1, step=1))) < 1e-6


def test_shapefile_with_prj_flatgeobuf_and_kml(tmp_path):
    ring = rect(43.0, 36.2, 43.3, 36.5, step=0.05)
    (tmp_path / "2017-01-09").mkdir()
    _gdf([ring], faction=["IQ"]).to_crs("EPSG:3857").to_file(tmp_path / "2017-01-09" / "iq.shp")
    _gdf([rect(44, 36, 44.5, 36.5)], faction=["KRG"]).to_file(
        tmp_path / "2017-01-09" / "krg.fgb", driver="FlatGeobuf"
    )
    kml = tmp_path / "2017-01-16" / "IS.kml"
    kml.parent.mkdir()
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><Placemark><name>Mosul west</name><Polygon><outerBoundaryIs><LinearRing>"
        "<coordinates>43.0,36.2,0 43.1,36.2,0 43.1,36.4,0 43.0,36.4,0 43.0,36.2,0</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
    )
    layers = frontmap.read_layers(tmp_path)
    assert layers.snapshot(D1).factions == ["IQ", "KRG"]
    assert rel(area_of(layers, D1, "IQ"), ring_km2(ring)) < 1e-6
    expected = ring_km2([[43.0, 36.2], [43.1, 36.2], [43.1, 36.4], [43.0, 36.4], [43.0, 36.2]])
    assert rel(area_of(layers, D2, "IS"), expected) < 1e-6


def test_old_geojson_crs_member_is_honoured(tmp_path):
    import pyproj

    ring = rect(30.0, 48.0, 30.4, 48.3, step=0.1)
    t = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    merc = [list(t.transform(x, y)) for x, y in ring]
    write_fc(
        tmp_path / "x_2017-01-09.geojson",
        [feature([merc], faction="RU")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    )
    layers = frontmap.read_layers(tmp_path)
    assert rel(area_of(layers, D1, "RU"), ring_km2(ring)) < 1e-6


def test_projected_coordinates_without_crs_are_an_error_with_a_hint(tmp_path):
    write_fc(tmp_path / "x_2017-01-09.geojson", [feature([rect(4e6, 4e6, 4.1e6, 4.1e6)])])
    err = frontmap.read_layers(tmp_path).report.all_errors
    assert len(err) == 1
    assert "out of lon/lat range" in err[0].message and "projected" in err[0].message
    assert err[0].feature == "0"


def test_swapped_axes_are_an_error_with_a_hint(tmp_path):
    write_fc(tmp_path / "x_2017-01-09.geojson", [feature([rect(35, 120, 36, 121)])])
    err = frontmap.read_layers(tmp_path).report.all_errors
    assert "swapped" in err[0].message


# --- geometry handling -----------------------------------------------------


def test_z_dropped_collections_unpacked_points_and_lines_counted(tmp_path):
    poly3d = [[x, y, 0] for x, y in rect(0, 0, 1, 1)]
    feats = [
        feature([poly3d], faction="IS"),
        {
            "type": "Feature",
            "properties": {"faction": "IS"},
            "geometry": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "coordinates": [rect(2, 0, 3, 1)]},
                    {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"faction": "IS"},
            "geometry": {"type": "Point", "coordinates": [0.5, 0.5]},
        },
        {
            "type": "Feature",
            "properties": {"faction": "IS"},
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        },
        {"type": "Feature", "properties": {"faction": "IS"}, "geometry": None},
    ]
    write_fc(tmp_path / "x_2017-01-09.geojson", feats)
    layers = frontmap.read_layers(tmp_path)
    rep = layers.report.files[0]
    assert rep.features == 5 and rep.used == 2
    assert rep.skipped == {
        "points": 1,
        "lines": 1,
        "no geometry": 1,
        "non-polygon members of collections": 1,
    }
    expected = ring_km2(rect(0, 0, 1, 1)) + ring_km2(rect(2, 0, 3, 1))
    assert rel(area_of(layers, D1, "IS"), expected) < 1e-6


def test_invalid_polygon_is_repaired_and_reported(tmp_path):
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    write_fc(tmp_path / "x_2017-01-09.geojson", [feature([bowtie], faction="IS")])
    layers = frontmap.read_layers(tmp_path)
    rep = layers.report.files[0]
    assert not rep.errors
    assert len(rep.repairs) == 1
    assert rep.repairs[0].feature == "0" and "Self-intersection" in rep.repairs[0].message
    # two triangles meeting at (0.5, 0.5)
    t1 = [[0, 0], [0.5, 0.5], [0, 1], [0, 0]]
    t2 = [[1, 0], [1, 1], [0.5, 0.5], [1, 0]]
    assert rel(area_of(layers, D1, "IS"), ring_km2(t1) + ring_km2(t2)) < 1e-6


def test_overlapping_polygons_of_one_faction_counted_once(tmp_path):
    a = rect(36, 35, 38, 36, step=1)  # vertices at whole degrees
    b = rect(37, 35, 39, 36, step=1)
    write_fc(tmp_path / "2017-01-09" / "SAA.geojson", [feature([a]), feature([b])])
    layers = frontmap.read_layers(tmp_path)
    expected = ring_km2(rect(36, 35, 39, 36, step=1))
    assert rel(area_of(layers, D1, "SAA"), expected) < 1e-6


def test_clip_to_outline(tmp_path):
    write_fc(tmp_path / "2017-01-09" / "IS.geojson", [feature([rect(0, 0, 2, 1, step=1)])])
    outline = write_fc(tmp_path / "_outline.geojson", [feature([rect(1, 0, 3, 1, step=1)])])
    layers = frontmap.read_layers(tmp_path, clip=outline)
    assert rel(area_of(layers, D1, "IS"), ring_km2(rect(1, 0, 2, 1))) < 1e-6


# --- factions --------------------------------------------------------------


RULES = """
[factions.RU]
name = "Russian-held"
color = "#a52714"
match = { fill = ["#a52714", "#880e4f"] }
[factions.GREY]
name = "Unknown status"
match = { name = "re:(?i)unknown status" }
[factions.IS]
name = "Islamic State"
aliases = ["ISIS", "ISIL", "Daesh"]
"""


def _rules(tmp_path, text=RULES):
    p = tmp_path / "factions.toml"
    p.write_text(text)
    return p


def test_fill_colour_rule_regex_rule_and_unmatched_are_counted(tmp_path):
    _rules(tmp_path)
    write_fc(
        tmp_path / "raw_20241101.geojson",
        [
            feature([rect(37, 47, 38, 48)], fill="#A52714", name="Occupied"),
            feature([rect(38, 47, 39, 48)], fill="#880e4f", name="ORDLO"),
            feature(
                [rect(39, 47, 40, 48)],
                fill="#bcaaa4",
                name="Сіра зона /// Unknown\u00a0  status /// grey",
            ),
            feature([rect(40, 47, 41, 48)], fill="#0288d1", name="Liberated"),
        ],
    )
    layers = frontmap.read_layers(tmp_path)
    snap = layers.snapshot("2024-11-01")
    assert snap.factions == ["RU", "GREY"]
    assert (
        rel(frontmap.area_km2(snap.territories["RU"]), ring_km2(rect(37, 47, 39, 48, step=1)))
        < 1e-6
    )
    rep = layers.report.files[0]
    assert rep.unmatched == 1 and rep.used == 3


def test_aliases_and_forgiving_matching(tmp_path):
    _rules(tmp_path, '[factions.IS]\nname = "Islamic State"\naliases = ["ISIS", "Daesh"]\n')
    write_fc(
        tmp_path / "x_2017-01-09.geojson",
        [
            feature([rect(0, 0, 1, 1)], faction=" daesh "),
            feature([rect(1, 0, 2, 1)], faction="islamic\u00a0state"),
            feature([rect(2, 0, 3, 1)], faction="Kurds"),
            feature([rect(3, 0, 4, 1)], faction="KURDS"),
        ],
    )
    layers = frontmap.read_layers(tmp_path)
    assert layers.snapshot(D1).factions == ["IS", "Kurds"]
    kurds = layers.factions.get("Kurds")
    assert kurds.name == "Kurds" and kurds.color.startswith("#") and not kurds.configured
    assert layers.factions.get("IS").name == "Islamic State"


def test_rule_beats_property_and_property_beats_file_name(tmp_path):
    _rules(tmp_path)
    write_fc(
        tmp_path / "2017-01-09" / "SAA.geojson",
        [
            feature([rect(0, 0, 1, 1)], fill="#a52714", faction="IS"),
            feature([rect(1, 0, 2, 1)], faction="ISIL"),
            feature([rect(2, 0, 3, 1)]),
        ],
    )
    snap = frontmap.read_layers(tmp_path).snapshot(D1)
    assert snap.factions == ["RU", "IS", "SAA"]


def test_factions_toml_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="color"):
        frontmap.FactionTable.from_dict({"factions": {"IS": {"color": "blak"}}}, "f.toml")
    with pytest.raises(ConfigError, match="reserved"):
        frontmap.FactionTable.from_dict({"factions": {"contested": {}}}, "f.toml")
    with pytest.raises(ConfigError, match="bad regular expression"):
        frontmap.FactionTable.from_dict({"factions": {"X": {"match": {"n": "re:("}}}}, "f.toml")
    p = tmp_path / "factions.toml"
    p.write_text("[factions.IS\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        frontmap.FactionTable.load(p)


def test_reserved_names_in_data_are_refused(tmp_path):
    write_fc(tmp_path / "x_2017-01-09.geojson", [feature([rect(0, 0, 1, 1)], faction="Contested")])
    err = frontmap.read_layers(tmp_path).report.all_errors
    assert err and "reserved" in err[0].message


def test_unknown_folder(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        frontmap.read_layers(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no territory files"):
        frontmap.read_layers(tmp_path / "empty")


def test_contested_row_in_areas(tmp_path):
    write_fc(tmp_path / "2017-01-09" / "SAA.geojson", [feature([rect(0, 0, 2, 1, step=1)])])
    write_fc(tmp_path / "2017-01-09" / "SDF.geojson", [feature([rect(1, 0, 3, 1, step=1)])])
    rows = {r.faction: r for r in areas(frontmap.read_layers(tmp_path).snapshots.values())}
    assert rel(rows["contested"].area_km2, ring_km2(rect(1, 0, 2, 1))) < 1e-6
    assert rows["contested"].parts == 1


def test_input_files_are_not_modified(tmp_path):
    import hashlib

    p = write_fc(
        tmp_path / "x_2017-01-09.geojson",
        [feature([[[0, 0], [1, 1], [1, 0], [0, 1]]], faction="IS")],
    )
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    frontmap.read_layers(tmp_path)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before
