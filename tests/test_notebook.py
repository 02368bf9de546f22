"""GeoDataFrame and folium helpers for notebooks."""

import folium
import pytest

import frontmap
from frontmap.render.notebook import explore, to_geodataframe

from .conftest import ROOT


@pytest.fixture(scope="module")
def demo():
    return frontmap.read_layers(ROOT / "layers")


def test_geodataframe_rows_match_areas(demo):
    gdf = to_geodataframe(demo)
    rows = frontmap.areas(demo.snapshots.values())
    assert len(gdf) == len(rows)
    assert gdf.crs.to_epsg() == 4326
    for r, g in zip(rows, gdf.itertuples(), strict=True):
        assert (g.date, g.faction, g.parts) == (r.date.isoformat(), r.faction, r.parts)
        assert g.area_km2 == r.area_km2
    assert set(gdf[gdf.faction == "IS"].name) == {"Islamic State"}


def test_explore_adds_one_layer_per_faction(demo):
    snap = demo.snapshot("2017-01-16")
    m = explore(snap, demo.factions, tiles=None)
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert len(layers) == len(snap.territories)
    assert explore(snap, demo.factions, m=m) is m  # draws onto an existing map
    assert "Islamic State" in m.get_root().render()
