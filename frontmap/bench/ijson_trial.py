"""Trial: the streaming GeoJSON reader on ijson (yajl2_c) instead of the hand-made window.

Not product. ``frontmap/read/geojson/stream.py`` decodes large files feature by
feature from a sliding text window over ``json.JSONDecoder.raw_decode``; this
module is the best ijson equivalent we could write, kept to re-run the
comparison that decided against it (README, "Why these libraries"):

    pip install ijson
    python -m frontmap.bench.ijson_trial compare      # the bad-input corpus, 3 ways
    python -m frontmap.bench.ijson_trial bench parse  # parsing alone, CPU s, in-process
    python -m frontmap.bench.ijson_trial bench read   # read_geojson, fresh processes
    python -m frontmap.bench.ijson_trial bench areas  # frontmap areas, fresh processes
    python -m pytest -p frontmap.bench.ijson_trial tests/test_bad_input.py tests/test_fuzz.py

``bench`` modes run on the bench's 200 MB file (``python -m frontmap.bench
--big`` makes it; or give a path after the mode), REPS=3 times each,
interleaved. The last line runs the two suites with ``stream_geojson``
replaced by :func:`stream_geojson_ijson` (a pytest plugin: see
:func:`pytest_configure`).

How it reads: root members before ``"features"`` from ``ijson.basic_parse``
events (a small builder with the same repeated-key and depth rules), the
features with ``ijson.items(..., "features.item", use_float=True,
map_type=...)`` (yajl and ijson's C object builder; the mapping type records
repeated keys), members after the features from the bytes after the features
array. A pre-scan of every block read (strings masked, brackets counted with
numpy) refuses absurd nesting before yajl sees it: ijson keeps one prefix
string per level, so its memory grows with the square of the depth (a 40,000
deep array took 3.9 GB; 100,000 levels, a file of JSONTestSuite, got the
process killed). ``use_float=False`` (Decimals) would keep big numbers exact
but parses slower still (6.1 s of CPU for the 200 MB file, against 3.4 s with
floats and 2.0 s for the window).

What yajl cannot do the way the window does (each one a failing test):

* ``NaN``, ``Infinity`` and numbers that overflow a double are lexical or parse
  errors of yajl: the whole file stops there, where the window makes them an
  error of the one feature that holds them and reads on;
* integers beyond 64 bits are "integer overflow" errors (Python's parser reads
  them exactly);
* its errors carry no line and column (only a snippet of the text);
* ijson builds each feature whole: a single feature larger than the window is
  no longer read ring by ring (its memory is the whole feature's objects).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..read.geojson import stream as _stream
from ..read.geojson.features import (
    GeoJSONFile,
    RawFeature,
    check_root,
    parse_geojson,
    read_feature,
    single_feature,
)
from ..read.geojson.geometry import CoordinateHints
from ..read.geojson.strict import NESTED_TOO_DEEP, RepeatedKeys, pairs_hook, repeated_keys_message

__all__ = ["stream_geojson_ijson"]

#: the hand-made window's reader (before the plugin replaces it)
_WINDOW = _stream.stream_geojson

#: nesting refused before yajl sees it (Python's parser stops near its recursion limit)
PARSE_DEPTH = 960
BUF = 1 << 20
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_DELTA = np.zeros(256, dtype=np.int8)
_DELTA[[ord("["), ord("{")]] = 1
_DELTA[[ord("]"), ord("}")]] = -1


def _ijson():
    import ijson

    if ijson.backend != "yajl2_c":  # pragma: no cover - the trial is about the C backend
        raise RuntimeError(f"ijson's C backend is not available (backend {ijson.backend})")
    return ijson


class _Obj(dict):
    """The mapping type ijson's C builder fills: records repeated keys."""

    __slots__ = ("dups",)

    def __setitem__(self, key, value):
        if key in self:
            try:
                if key not in self.dups:
                    self.dups.append(key)
            except AttributeError:
                self.dups = [key]
        dict.__setitem__(self, key, value)


def _shallow(v: _Obj) -> dict:
    dups = getattr(v, "dups", None)
    if dups:
        out = RepeatedKeys(v)
        out.dups = list(dups)
        return out
    return dict(v)


def _plain(root):
    """_Obj -> dict or RepeatedKeys (as the window's strict hooks make them), iteratively.

    A geometry's coordinates are left alone (any object in them is an error anyway)."""
    if type(root) is _Obj:
        root = _shallow(root)
    elif type(root) is not list:
        return root
    stack = [(root, False)]
    while stack:
        container, geometry = stack.pop()
        if type(container) is list:
            for i, x in enumerate(container):
                if type(x) is _Obj:
                    container[i] = x = _shallow(x)
                    stack.append((x, geometry))
                elif type(x) is list:
                    stack.append((x, False))
            continue
        for k, x in container.items():
            if geometry and k == "coordinates":
                continue
            flag = (container is root and k == "geometry") or (geometry and k == "geometries")
            if type(x) is _Obj:
                container[k] = x = _shallow(x)
                stack.append((x, flag))
            elif type(x) is list:
                stack.append((x, flag))
    return root


class _Guarded:
    """A binary file as ijson reads it, watched block by block.

    Refuses nesting deeper than PARSE_DEPTH; notes whether ``true``/``false`` has
    been read (the booleans-in-coordinates hint) and the offsets of the ``]``
    that close arrays at the root (to find what follows the features)."""

    def __init__(self, fh, name: str):
        self.fh, self.name = fh, name
        self.depth = 0
        self.carry = b""  # an unterminated string from the last block
        self.offset = fh.tell()  # file offset of carry + the next block
        self.bools = False
        self.blank = True  # nothing but whitespace read so far
        self.root_closes: list[int] = []
        self.lines = 0  # newlines in the blocks before the last one (for messages)
        self.lines_before_block = 0
        self.block_start = self.offset

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        if not data:
            return data
        self.lines_before_block = self.lines
        self.lines += data.count(b"\n")
        self.block_start = self.offset + len(self.carry)
        self._scan(self.carry + data)
        return data

    def _scan(self, text: bytes) -> None:
        base = self.offset
        if self.blank and text.strip(b" \t\r\n"):
            self.blank = False
        if not self.bools and (b"true" in text or b"false" in text):
            self.bools = True
        masked = _STRING.sub(lambda m: b" " * (m.end() - m.start()), text)
        quote = masked.find(b'"')
        if quote >= 0:  # a string that goes on into the next block
            self.carry = text[quote:]
            masked = masked[:quote]
        else:
            self.carry = b""
        self.offset = base + len(text) - len(self.carry)
        arr = np.frombuffer(masked, dtype=np.uint8)
        if not len(arr):
            return
        depth = np.cumsum(_DELTA[arr], dtype=np.int64) + self.depth
        if int(depth.max()) > PARSE_DEPTH:
            raise DataError(NESTED_TOO_DEEP, file=self.name)
        closes = np.flatnonzero((depth == 1) & (arr == ord("]")))
        self.root_closes.extend(int(base + i) for i in closes)
        self.depth = int(depth[-1])


class _Pairs(list):
    """The (key, value) pairs of an object being built."""


def _build(events, name: str, first=None):
    """One value from ijson.basic_parse events, with repeated keys and depth as the window."""
    stack: list = []
    keys: list = []
    event, value = first if first is not None else next(events)
    while True:
        if event == "map_key":
            keys[-1] = value
        elif event == "start_map" or event == "start_array":
            if len(stack) >= PARSE_DEPTH:
                raise DataError(NESTED_TOO_DEEP, file=name)
            stack.append([] if event == "start_array" else _Pairs())
            keys.append(None)
        else:
            if event == "end_map":
                done = pairs_hook(stack.pop())
                keys.pop()
            elif event == "end_array":
                done = stack.pop()
                keys.pop()
            else:
                done = value
            if not stack:
                return done
            top = stack[-1]
            if type(top) is list:
                top.append(done)
            else:
                top.append((keys[-1], done))
        event, value = next(events)


def _message(exc: Exception) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    return text.split("\\n")[0].split("\n")[0].strip()


def _json_error(exc: Exception, name: str, guard: _Guarded) -> DataError:
    msg = _message(exc)
    if "invalid bytes in UTF8" in msg:
        return DataError(
            "not UTF-8 text; GeoJSON must be UTF-8: re-save the file as UTF-8", file=name
        )
    where = f"in the block from line {guard.lines_before_block + 1} (byte {guard.block_start})"
    return DataError(
        f"not valid JSON: {msg} {where} (the file is damaged or truncated; "
        "re-export or re-download it)",
        file=name,
    )


def _open(path: Path, name: str):
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=name) from None
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    return fh


def _root_before_features(path: Path, name: str):
    """(members before "features", whether a features array follows, root arrays before it)."""
    ijson = _ijson()
    with _open(path, name) as fh:
        guard = _Guarded(fh, name)
        events = iter(ijson.basic_parse(guard, use_float=True, buf_size=64 * 1024))
        try:
            try:
                event, value = next(events, (None, None))
            except ijson.JSONError:
                if not guard.blank:
                    raise
                event = None
            if event is None:
                raise DataError("the file is empty; expected a GeoJSON object", file=name)
            if event != "start_map":
                kind = {
                    "start_array": "an array",
                    "string": "a string",
                    "boolean": "a boolean",
                    "null": "null",
                }.get(event, "a number")
                raise DataError(
                    f"the root of a GeoJSON file must be an object, not {kind}", file=name
                )
            pairs: list = []
            arrays = 0
            for event, value in events:
                if event == "end_map":
                    for _ in events:  # trailing data is an error of yajl
                        pass
                    return pairs_hook(pairs), False, arrays
                key = value
                if any(k == key for k, _ in pairs):
                    dup = RepeatedKeys()
                    dup.dups = [key]
                    raise DataError(repeated_keys_message(dup, "the root object"), file=name)
                first = next(events)
                if key == "features" and first[0] == "start_array":
                    return dict(pairs), True, arrays
                if key == "features":
                    kind = {
                        "start_map": "an object",
                        "string": "a string",
                        "boolean": "a boolean",
                        "null": "null",
                    }.get(first[0], "a number")
                    raise DataError(f"'features' must be an array, not {kind}", file=name)
                arrays += first[0] == "start_array"
                pairs.append((key, _build(events, name, first)))
        except ijson.JSONError as exc:
            raise _json_error(exc, name, guard) from None
        raise DataError(
            "not valid JSON: the file ends inside the root object", file=name
        )  # pragma: no cover - yajl reports premature EOF first


def _members_after(path: Path, name: str, offset: int) -> dict:
    """The root members after the features array, whose ']' is at ``offset``."""
    ijson = _ijson()
    with open(path, "rb") as fh:
        fh.seek(offset + 1)  # (offsets count the byte-order mark, as _open leaves it read)
        tail = fh.read().lstrip()
    if not tail.startswith(b","):
        return {}
    text = b"{" + tail[1:]
    events = iter(ijson.basic_parse(_Fixed(text), use_float=True))
    try:
        doc = _build(events, name)
    except ijson.JSONError as exc:  # pragma: no cover - the features pass saw the tail
        raise DataError(f"not valid JSON: {_message(exc)}", file=name) from None
    if isinstance(doc, RepeatedKeys):
        raise DataError(repeated_keys_message(doc, "the root object"), file=name)
    return doc


class _Fixed:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        n = len(self.data) - self.pos if n < 0 else n
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


def _features(path: Path, name: str, on_done) -> Iterator[tuple[object, bool]]:
    """Each element of the features array (built by ijson's C builder), and the bools hint."""
    ijson = _ijson()
    with _open(path, name) as fh:
        guard = _Guarded(fh, name)
        items = ijson.items(guard, "features.item", use_float=True, map_type=_Obj, buf_size=BUF)
        try:
            for value in items:
                yield _plain(value), guard.bools
        except ijson.JSONError as exc:
            raise _json_error(exc, name, guard) from None
        on_done(guard)


def stream_geojson_ijson(path: Path, name: str, chunk: int | None = None) -> GeoJSONFile:
    """What stream.stream_geojson does, with ijson. ``chunk`` is ignored (yajl's block size)."""
    path = Path(path)
    before, has_features, arrays_before = _root_before_features(path, name)
    if not has_features:
        kind, crs, warnings = check_root(before, name)
        if kind == "FeatureCollection":
            raise DataError("a FeatureCollection needs a 'features' member", file=name)
        feature = single_feature(before, kind, name, CoordinateHints())
        return GeoJSONFile(crs, iter([feature]), warnings)
    doc = before
    if before.get("type") != "FeatureCollection" or (
        "crs" not in before and _stream._crs_after(path, 0)
    ):
        ends: list = []
        for _ in _features(path, name, ends.append):  # a first pass, for the members after
            pass
        after = _members_after(path, name, ends[0].root_closes[arrays_before])
        if {**before, **after}.get("type") != "FeatureCollection":
            return parse_geojson(path.read_bytes(), name)
        doc = {**before, **after}
        if any(k in before for k in after):
            dup = RepeatedKeys()
            dup.dups = [k for k in after if k in before]
            raise DataError(repeated_keys_message(dup, "the root object"), file=name)
    kind, crs, warnings = check_root(doc, name)

    def features() -> Iterator[RawFeature]:
        ends: list = []
        for i, (value, bools) in enumerate(_features(path, name, ends.append)):
            yield read_feature(i, value, CoordinateHints(maybe_bools=bools))
        after = _members_after(path, name, ends[0].root_closes[arrays_before])
        if any(k in before for k in after):
            dup = RepeatedKeys()
            dup.dups = [k for k in after if k in before]
            raise DataError(repeated_keys_message(dup, "the root object"), file=name)
        if after:
            _, _, more = check_root({**doc, **after}, name)
            warnings.extend(w for w in more if w not in warnings)

    return GeoJSONFile(crs, features(), warnings)


# --- pytest plugin: the suites with the ijson reader ----------------------------------------


def pytest_configure(config) -> None:
    _stream.stream_geojson = stream_geojson_ijson


# --- comparisons ---------------------------------------------------------------------------


def _outcome(read, data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.geojson"
        path.write_bytes(data)
        try:
            g = read(path)
            feats = [
                (
                    f.index,
                    repr(f.fid),
                    repr(f.props),
                    f.kind,
                    f.error,
                    f.notes,
                    f.warnings,
                    None if f.geom is None else f.geom.wkb,
                )
                for f in g.features
            ]
            return ("ok", g.crs, feats, list(g.warnings))
        except DataError as exc:
            return ("error", exc.problem)


def compare(corpus: Path) -> int:
    """Whole-file outcomes vs the window and vs ijson, for every corpus file."""
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    readers = {
        "window": lambda path: _WINDOW(path, "f.geojson", 7),
        "ijson": lambda path: stream_geojson_ijson(path, "f.geojson"),
    }
    rows = {label: [0, 0, 0] for label in readers}  # same, both errors, different
    for p in files:
        data = p.read_bytes()
        whole = _outcome(lambda path: parse_geojson(path.read_bytes(), "f.geojson"), data)
        for label, read in readers.items():
            try:
                got = _outcome(read, data)
            except Exception as exc:  # noqa: BLE001 - counted, and shown
                got = ("crash", f"{type(exc).__name__}: {exc}"[:120])
            col = 0 if got == whole else 1 if got[0] == whole[0] == "error" else 2
            rows[label][col] += 1
            if col:
                print(f"{label}: {p.relative_to(corpus)}\n  got   {str(got)[:200]}")
                print(f"  whole {str(whole)[:200]}")
    print(
        f"{len(files)} corpus files: same outcome as read whole / both errors, other message"
        " / different outcome"
    )
    for label, (same, kind, diff) in rows.items():
        print(f"  {label:7s} {same:4d} {kind:4d} {diff:4d}")
    return 0


def parse(path: Path, reps: int) -> int:
    """CPU seconds of the parsing alone, in this process: the window's raw_decode, ijson's
    C builder (with and without the mapping type), the nesting pre-scan."""
    ijson = _ijson()

    def window():
        with open(path, "rb") as fh:
            win = _stream.TextWindow(fh, "big")
            win.open_root()
            while win.next_key() not in (None, "features"):
                win.value()
            for _ in win.features():
                pass

    def items(**kw):
        with open(path, "rb") as fh:
            for _ in ijson.items(fh, "features.item", use_float=True, buf_size=BUF, **kw):
                pass

    def prescan():
        with open(path, "rb") as fh:
            guard = _Guarded(fh, "big")
            while guard.read(BUF):
                pass

    cases = {
        "window raw_decode": window,
        "ijson items": items,
        "ijson items, map_type": lambda: items(map_type=_Obj),
        "nesting pre-scan": prescan,
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(reps):
        for label, fn in cases.items():
            t0 = time.process_time()
            fn()
            times[label].append(time.process_time() - t0)
    for label, ts in times.items():
        print(
            f"parse {label:22s} CPU best {min(ts):.2f} s, median {sorted(ts)[len(ts) // 2]:.2f} s"
        )
    return 0


_CHILD = """
import sys, time
kind, what = sys.argv.pop(1), sys.argv.pop(1)
if kind == "ijson":
    import frontmap.bench.ijson_trial as trial
    trial.pytest_configure(None)
if what == "read":
    from frontmap.read.geojson import read_geojson
    n = sum(1 for f in read_geojson(sys.argv[1], "big").features)
    print(n)
else:
    from frontmap.cli import main
    sys.exit(main())
"""


def _run(cmd: list[str], out: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one fresh process, its stdout kept in ``out``."""
    with open(out, "wb") as fh, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd} failed: {err.read()[-500:]!r}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def bench(path: Path, reps: int, what: str) -> int:
    """Wall, CPU and peak RSS of reading ``path``, window vs ijson, interleaved in one run.

    ``what``: "read" (every feature through read_geojson) or "areas" (``frontmap
    areas PATH --format csv``)."""
    results: dict[str, list[tuple[float, float, float]]] = {"window": [], "ijson": []}
    outs = {}
    args = [] if what == "read" else ["areas"]
    tail = [] if what == "read" else ["--format", "csv"]
    for _ in range(reps):
        for label in results:
            out = Path(tempfile.gettempdir()) / f"ijson-trial-{label}.out"
            cmd = [sys.executable, "-c", _CHILD, label, what, *args, str(path), *tail]
            wall, cpu, rss = _run(cmd, out)
            results[label].append((wall, cpu, rss))
            outs[label] = out.read_bytes()
            print(
                f"{what} {label:7s} wall {wall:6.1f} s  CPU {cpu:6.1f} s  {rss:6.0f} MB", flush=True
            )
    for label, runs in results.items():
        walls = sorted(w for w, _, _ in runs)
        cpus = sorted(c for _, c, _ in runs)
        print(
            f"{what} {label:7s} wall best {walls[0]:.1f} s, median {walls[len(walls) // 2]:.1f} s;"
            f" CPU best {cpus[0]:.1f} s, median {cpus[len(cpus) // 2]:.1f} s;"
            f" peak RSS {max(r for _, _, r in runs):.0f} MB"
        )
    print(f"{what}: same output: {outs['window'] == outs['ijson']}")
    return 0


def main(argv: list[str]) -> int:
    from .bench import DEFAULT_CACHE, big_set, shared_data

    reps = int(os.environ.get("REPS", "3"))
    try:
        _ijson()
    except ImportError:
        print("ijson is not installed (it is no dependency of frontmap): pip install ijson")
        return 1
    if argv[:1] == ["compare"]:
        data = shared_data()
        corpus = Path(argv[1]) if len(argv) > 1 else (data / "bad-input" if data else None)
        if corpus is None or not corpus.is_dir():
            print("no bad-input corpus (give its folder, or set FRONTMAP_SHARED_DATA)")
            return 1
        return compare(corpus)
    if argv[:1] == ["bench"] and len(argv) > 1 and argv[1] in ("read", "areas", "parse"):
        path = Path(argv[2]) if len(argv) > 2 else big_set(DEFAULT_CACHE, 200, 0)
        return parse(path, reps) if argv[1] == "parse" else bench(path, reps, argv[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
