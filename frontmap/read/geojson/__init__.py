"""frontmap's strict GeoJSON reader (part of reading).

GDAL reads GeoJSON forgivingly: it accepts NaN, closes rings silently and
turns numeric strings into numbers. Territory numbers must not rest on
guesses, so GeoJSON files are parsed here, strictly, in three layers:

* :mod:`.strict`: JSON that Python's parser accepts but territory data must
  not (NaN, overflow, repeated keys, absurd nesting);
* :mod:`.geometry`: geometries and their coordinates, checked and built;
* :mod:`.features`: features and the root object, assembled into
  :class:`RawFeature` objects;
* :mod:`.stream`: large files, read one feature at a time.
"""

from .features import GeoJSONFile, RawFeature, parse_crs_member, parse_geojson
from .geometry import GEOMETRY_TYPES
from .stream import STREAM_CHUNK, STREAM_THRESHOLD, read_geojson
from .strict import MAX_DEPTH

__all__ = [
    "RawFeature",
    "GeoJSONFile",
    "parse_geojson",
    "read_geojson",
    "parse_crs_member",
    "GEOMETRY_TYPES",
    "MAX_DEPTH",
    "STREAM_THRESHOLD",
    "STREAM_CHUNK",
]
