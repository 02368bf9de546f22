"""For analysts in notebooks: snapshots as GeoDataFrames and folium maps (rendering).

Heavy libraries are imported when called, as geopandas' ``explore`` does.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..analysis.geodesy import area_km2
from ..analysis.measure import count_parts
from ..read.factions import FactionTable
from ..read.model import Layers, Snapshot

__all__ = ["to_geodataframe", "explore"]


def _snapshots(source) -> list[Snapshot]:
    if isinstance(source, Layers):
        return list(source.snapshots.values())
    if isinstance(source, Snapshot):
        return [source]
    return list(source)


def to_geodataframe(
    source: Layers | Snapshot | Iterable[Snapshot],
    factions: FactionTable | None = None,
    min_part_km2: float = 1.0,
):
    """One row per date and faction: date, faction, name, color, area_km2, parts,
    geometry (EPSG:4326). Areas are geodesic km², as ``frontmap areas`` gives."""
    import geopandas

    if factions is None and isinstance(source, Layers):
        factions = source.factions
    table = factions or FactionTable()
    rows = []
    for snap in _snapshots(source):
        for fid, geom in snap.territories.items():
            f = table.get(fid)
            rows.append(
                {
                    "date": snap.date.isoformat(),
                    "faction": fid,
                    "name": f.name,
                    "color": f.color,
                    "area_km2": area_km2(geom),
                    "parts": count_parts(geom, min_part_km2),
                    "geometry": geom,
                }
            )
    columns = ["date", "faction", "name", "color", "area_km2", "parts", "geometry"]
    return geopandas.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


def explore(snapshot: Snapshot, factions: FactionTable | None = None, m=None, **map_kwargs):
    """Draw a snapshot on a folium map (a new one, or ``m``) and return the map.

    Each faction is one layer in its colour, with its name and area in the
    tooltip; a layer control lets the reader switch factions on and off.
    """
    import folium

    gdf = to_geodataframe(snapshot, factions)
    if m is None:
        xmin, ymin, xmax, ymax = gdf.total_bounds
        m = folium.Map(**{"tiles": "OpenStreetMap", **map_kwargs})
        m.fit_bounds([[ymin, xmin], [ymax, xmax]])
    for row in gdf.itertuples():
        color = row.color
        folium.GeoJson(
            row.geometry.__geo_interface__,
            name=f"{row.name} ({row.date})",
            style_function=lambda _f, c=color: {
                "color": c,
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.55,
            },
            tooltip=folium.Tooltip(f"{row.name}: {row.area_km2:,.1f} km²"),
        ).add_to(m)
    folium.LayerControl().add_to(m)
    return m
