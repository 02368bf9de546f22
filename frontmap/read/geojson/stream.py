"""Large GeoJSON files, read feature by feature.

The same C JSON parser, with the same strictness hooks, decodes one feature
at a time from a sliding text window, so a 200 MB file never exists in memory
as one string or one object tree. A feature larger than the window is read
ring by ring through the same geometry checks.

Why not ijson (yajl): README, "Why these libraries"; the trial that decided
it is ``frontmap/bench/ijson_trial.py``.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path

from ...errors import DataError
from .features import (
    GeoJSONFile,
    RawFeature,
    check_root,
    parse_geojson,
    read_feature,
    single_feature,
)
from .geometry import (
    POLYGONAL,
    CoordinateHints,
    PrebuiltCoordinates,
    read_multipolygon,
    read_polygon,
)
from .strict import (
    DECODER,
    NESTED_TOO_DEEP,
    GeoJSONProblem,
    RepeatedKeys,
    decoder_message,
    is_number,
    pairs_hook,
    repeated_keys_message,
)

__all__ = ["read_geojson", "stream_geojson", "STREAM_THRESHOLD", "STREAM_CHUNK"]

#: files at least this large (bytes) are parsed feature by feature
STREAM_THRESHOLD = 16 * 1024 * 1024
#: bytes read at a time when streaming
STREAM_CHUNK = 4 * 1024 * 1024


def read_geojson(
    path: str | Path, name: str, threshold: int | None = None, geodesic: bool = False
) -> GeoJSONFile:
    """Read a GeoJSON file: whole when small, feature by feature when large.

    Both ways apply the same rules and give the same features; a streamed
    file's problems after its first feature surface while iterating.
    ``geodesic``: see :func:`.features.parse_geojson` (small files only; the
    geometries of a streamed file are densified when cleaned).
    """
    path = Path(path)
    limit = STREAM_THRESHOLD if threshold is None else threshold
    try:
        size = path.stat().st_size
        if size < limit:
            return parse_geojson(path.read_bytes(), name, geodesic=geodesic)
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=name) from None
    return stream_geojson(path, name)


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_ROOT_KIND = {"[": "an array", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}


class TooBig(Exception):
    """A value does not fit in the window."""


class LazyArray:
    """The elements of a JSON array in a large file, decoded one at a time.

    ``depth`` > 0 gives the elements that are arrays as _LazyArrays in turn.
    Sets ``ctx.maybe_bools`` for each element it decodes.
    """

    def __init__(self, win: TextWindow, depth: int, ctx: CoordinateHints):
        win.expect("[", "'['")
        self.win, self.depth, self.ctx = win, depth, ctx
        self.first, self.done, self.child = True, False, None

    def __iter__(self):
        return self

    def __next__(self):
        if self.child is not None:
            self.child.drain()
            self.child = None
        if self.done:
            raise StopIteration
        w = self.win
        c = w.peek()
        if c == "]":
            w.pos += 1
            self.done = True
            raise StopIteration
        if not self.first:
            if c != ",":
                w.fail("Expecting ',' delimiter" if c else "the file ends inside an array")
            w.pos += 1
            c = w.peek()
        self.first = False
        if self.depth and c == "[":
            self.child = LazyArray(w, self.depth - 1, self.ctx)
            return self.child
        value = w.value()
        self.ctx.maybe_bools = w.bools()
        return value

    def drain(self) -> None:
        for _ in self:
            pass


class TextWindow:
    """The decoded text of a file, read forward through a sliding window."""

    def __init__(self, fh, name: str, chunk: int | None = None):
        self.fh = fh
        self.name = name
        self.chunk = chunk or STREAM_CHUNK
        #: features larger than this (characters) are read piece by piece
        self.big = 4 * self.chunk
        self.dec = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.buf = ""
        self.pos = 0
        self.line0 = 0  # newlines before buf[0]
        self.col0 = 0  # characters of the current line before buf[0]
        self.bytes_read = 0
        self.eof = False
        #: the largest the window has been (characters), for tests
        self.max_window = 0

    # -- filling ------------------------------------------------------------

    def more(self, want: int = 0) -> bool:
        """Read at least ``want`` more bytes (at least a chunk); False at end of file."""
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, want))
        pending = len(self.dec.getstate()[0])
        try:
            text = self.dec.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            offset = self.bytes_read - pending + exc.start
            raise DataError(
                f"not UTF-8 text (invalid byte at offset {max(offset, 0)}); GeoJSON must be "
                "UTF-8: re-save the file as UTF-8",
                file=self.name,
            ) from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
        if self.pos:
            consumed = self.buf[: self.pos]
            n = consumed.count("\n")
            if n:
                self.line0 += n
                self.col0 = len(consumed) - consumed.rfind("\n") - 1
            else:
                self.col0 += len(consumed)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        if text:
            self.buf += text
            self.max_window = max(self.max_window, len(self.buf))
        return bool(data)

    def byte_pos(self) -> int:
        """The byte offset in the file of the current position."""
        pending = len(self.dec.getstate()[0])
        return self.bytes_read - pending - len(self.buf[self.pos :].encode("utf-8", "replace"))

    # -- reading ------------------------------------------------------------

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def where(self, pos: int | None = None) -> str:
        pos = self.pos if pos is None else pos
        nl = self.buf.rfind("\n", 0, pos)
        line = self.line0 + self.buf.count("\n", 0, pos) + 1
        col = pos - nl if nl >= 0 else self.col0 + pos + 1
        return f"line {line}, column {col}"

    def fail(self, msg: str, pos: int | None = None):
        raise DataError(
            f"not valid JSON: {decoder_message(msg)} at {self.where(pos)} "
            "(the file is damaged or truncated; re-export or re-download it)",
            file=self.name,
        )

    def expect(self, char: str, what: str) -> None:
        c = self.peek()
        if c != char:
            self.fail(f"expecting {what}" if c else f"the file ends where {what} was expected")
        self.pos += 1

    def value(self, big: int | None = None):
        """Decode the next JSON value with the strict hooks (reading more as needed).

        With ``big``: raise TooBig rather than hold more than ``big`` characters
        of an object (the caller then reads it piece by piece)."""
        if not self.peek():
            self.fail("the file ends where a value was expected")
        while True:
            try:
                obj, end = DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated")
                if (
                    truncated
                    and big is not None
                    and len(self.buf) - self.pos >= big
                    and self.buf[self.pos] == "{"
                    and not self.eof
                ):
                    raise TooBig from None
                if truncated and self.more(len(self.buf) - self.pos):
                    continue
                self.fail(exc.msg, exc.pos)
            except GeoJSONProblem as exc:
                raise DataError(f"not strict JSON: {exc}", file=self.name) from None
            except RecursionError:
                raise DataError(NESTED_TOO_DEEP, file=self.name) from None
            except ValueError as exc:
                raise DataError(f"not usable JSON: {exc}", file=self.name) from None
            if (
                end >= len(self.buf) or (is_number(obj) and self.buf[end] in _NUMBER_CHARS)
            ) and self.more(len(self.buf) - self.pos):
                continue  # a number at the end of the window may go on
            self.start, self.pos = self.pos, end
            return obj

    def bools(self) -> bool:
        """Whether the text of the value just decoded holds true or false."""
        return self.buf.find("true", self.start, self.pos) >= 0 or (
            self.buf.find("false", self.start, self.pos) >= 0
        )

    def members(self) -> Iterator[str]:
        """At an object: each member name, positioned at its value (for the caller to read)."""
        self.expect("{", "'{'")
        first = True
        while True:
            c = self.peek()
            if c == "}":
                self.pos += 1
                return
            if not first:
                if c != ",":
                    self.fail("Expecting ',' delimiter" if c else "the file ends inside an object")
                self.pos += 1
                c = self.peek()
            first = False
            if c != '"':
                self.fail(
                    "Expecting property name enclosed in double quotes"
                    if c
                    else "the file ends inside an object"
                )
            key = self.value()
            if not isinstance(key, str):  # pragma: no cover - a '"' starts a string
                self.fail("Expecting property name enclosed in double quotes")
            self.expect(":", "':' after a member name")
            yield key

    def big_feature(self):
        """A feature too large for the window, its geometry read ring by ring."""
        pairs = []
        for key in self.members():
            if key == "geometry" and self.peek() == "{":
                pairs.append((key, self.big_geometry()))
            else:
                pairs.append((key, self.value()))
        return pairs_hook(pairs)

    def big_geometry(self):
        pairs = []
        kind = None
        for key in self.members():
            if key == "type":
                value = self.value()
                if kind is None and isinstance(value, str):
                    kind = value
            elif (
                key == "coordinates"
                and kind in POLYGONAL
                and self.peek() == "["
                and all(k != key for k, _ in pairs)
            ):
                value = self.built(kind)
            else:
                value = self.value()
            pairs.append((key, value))
        return pairs_hook(pairs)

    def built(self, kind: str) -> PrebuiltCoordinates:
        """A Polygon's or MultiPolygon's coordinates, validated and built a ring at a time."""
        ctx = CoordinateHints()
        rings = LazyArray(self, 0 if kind == "Polygon" else 1, ctx)
        notes: list[str] = []
        geom, error = None, None
        try:
            if kind == "Polygon":
                geom = read_polygon(rings, notes, "", ctx)
            else:
                geom = read_multipolygon(rings, notes, ctx)
        except GeoJSONProblem as exc:
            error = str(exc)
        rings.drain()
        return PrebuiltCoordinates(geom, notes, error)

    def open_root(self) -> None:
        """Enter the root object (errors when the root is something else)."""
        c = self.peek()
        if c == "":
            raise DataError("the file is empty; expected a GeoJSON object", file=self.name)
        if c != "{":
            if c in _ROOT_KIND or c == "-" or c.isdigit():
                kind = _ROOT_KIND.get(c, "a number")
                raise DataError(
                    f"the root of a GeoJSON file must be an object, not {kind}", file=self.name
                )
            self.fail("Expecting value")
        self.pos += 1
        self._first = True
        self.seen: set = set()

    def next_key(self) -> str | None:
        """The next member name of the root object (positioned at its value), or None."""
        c = self.peek()
        if c == "}":
            self.pos += 1
            if self.peek() != "":
                self.fail("extra data after the root object")
            return None
        if not self._first:
            if c != ",":
                self.fail(
                    "Expecting ',' delimiter" if c else "the file ends inside the root object"
                )
            self.pos += 1
            c = self.peek()
        self._first = False
        if c != '"':
            self.fail(
                "Expecting property name enclosed in double quotes"
                if c
                else "the file ends inside the root object"
            )
        key = self.value()
        self.expect(":", "':' after a member name")
        if key in self.seen:
            dup = RepeatedKeys()
            dup.dups = [key]
            raise DataError(repeated_keys_message(dup, "the root object"), file=self.name)
        self.seen.add(key)
        return key

    def features(self) -> Iterator[tuple[object, bool]]:
        """The elements of the features array: (value, whether its text holds true/false)."""
        c = self.peek()
        if c != "[":
            kind = {
                "{": "an object",
                '"': "a string",
                "n": "null",
                "t": "a boolean",
                "f": "a boolean",
            }.get(c, "a number")
            raise DataError(f"'features' must be an array, not {kind}", file=self.name)
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            try:
                value = self.value(big=self.big)
            except TooBig:  # a feature larger than the window: read it piece by piece
                yield self.big_feature(), True
            else:
                yield value, self.bools()
            c = self.peek()
            if c == ",":
                self.pos += 1
                continue
            if c == "]":
                self.pos += 1
                return
            self.fail("Expecting ',' delimiter" if c else "the file ends inside 'features'")


def stream_geojson(path: Path, name: str, chunk: int | None = None) -> GeoJSONFile:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed when the features are done
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=name) from None
    try:
        win = TextWindow(fh, name, chunk)
        win.open_root()
        before: dict = {}
        while (key := win.next_key()) is not None and key != "features":
            before[key] = win.value()
        if key is None:  # no features array: the root object is all in memory
            fh.close()
            return _from_members(before, name)
        if before.get("type") != "FeatureCollection" or (
            "crs" not in before and _crs_after(path, win.byte_pos())
        ):
            # the root's type or crs may come after the features: look at them first
            doc = _root_members(path, name, chunk)
            if doc.get("type") != "FeatureCollection":
                fh.close()
                return parse_geojson(path.read_bytes(), name)
        else:
            doc = before
        kind, crs, warnings = check_root(doc, name)
    except BaseException:
        fh.close()
        raise

    def features() -> Iterator[RawFeature]:
        try:
            i = 0
            for value, bools in win.features():
                yield read_feature(i, value, CoordinateHints(maybe_bools=bools))
                i += 1
            after = {}
            while (key := win.next_key()) is not None:
                after[key] = win.value()
            if after:  # members after the features are checked like the others
                _, _, more = check_root({**doc, **after}, name)
                warnings.extend(w for w in more if w not in warnings)
        finally:
            fh.close()

    return GeoJSONFile(crs, features(), warnings)


def _root_members(path: Path, name: str, chunk: int | None) -> dict:
    """Every root member but the features (a first pass over a large file)."""
    with open(path, "rb") as fh:
        win = TextWindow(fh, name, chunk)
        win.open_root()
        doc = {}
        while (key := win.next_key()) is not None:
            if key == "features":
                for _ in win.features():
                    pass
            else:
                doc[key] = win.value()
        return doc


def _crs_after(path: Path, offset: int) -> bool:
    """Whether the bytes '"crs"' occur after ``offset`` (then a root crs may follow)."""
    needle = b'"crs"'
    with open(path, "rb") as fh:
        fh.seek(max(offset, 0))
        tail = b""
        while True:
            block = fh.read(STREAM_CHUNK)
            if not block:
                return False
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]


def _from_members(doc: dict, name: str) -> GeoJSONFile:
    """A streamed root object that had no features array, now wholly in memory."""
    kind, crs, warnings = check_root(doc, name)
    if kind == "FeatureCollection":
        raise DataError("a FeatureCollection needs a 'features' member", file=name)
    return GeoJSONFile(crs, iter([single_feature(doc, kind, name, CoordinateHints())]), warnings)
