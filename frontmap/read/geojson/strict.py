"""Strict JSON for GeoJSON files: what Python's parser lets through that territory data must not.

* ``NaN``, ``Infinity`` and ``-Infinity`` are parsed as :class:`NonFinite`
  markers (so that the feature holding one can be named) and refused;
* numbers that overflow a 64-bit float are refused;
* an object that repeats a key is parsed as :class:`RepeatedKeys` and refused
  where it is found (its meaning would be ambiguous);
* values nested deeper than :data:`MAX_DEPTH` are refused, and so is nesting
  too deep for Python's parser.
"""

from __future__ import annotations

import json
import math

from ...errors import DataError

__all__ = [
    "MAX_DEPTH",
    "GeoJSONProblem",
    "RepeatedKeys",
    "NonFinite",
    "DECODER",
    "pairs_hook",
    "load_json",
    "inspect_value",
    "repeated_keys_message",
    "json_error_message",
    "decoder_message",
    "bbox_problem",
    "is_number",
    "json_type",
    "SUSPECT_TYPES",
    "NESTED_TOO_DEEP",
]

#: deepest nesting of arrays and objects accepted outside coordinates
MAX_DEPTH = 64


class GeoJSONProblem(Exception):
    pass


class RepeatedKeys(dict):
    """An object that repeated a key (the later value won); reported where it is found."""

    __slots__ = ("dups",)

    dups: list[str]


class NonFinite:
    """``NaN``, ``Infinity`` or ``-Infinity`` in the text: not JSON. Parsed as this marker
    so that the feature holding it is named; every check below refuses it."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def problem(self) -> str:
        return f"{self.name} is not allowed in JSON (use null, or a real number)"


_NON_FINITE = {n: NonFinite(n) for n in ("NaN", "Infinity", "-Infinity")}


def _non_finite_marker(name):
    return _NON_FINITE[name]


def pairs_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen, dup = set(), []
        for k, _ in pairs:
            if k in seen and k not in dup:
                dup.append(k)
            seen.add(k)
        obj = RepeatedKeys(obj)
        obj.dups = dup
    return obj


def repeated_keys_message(obj: RepeatedKeys, what: str) -> str:
    keys = ", ".join(repr(d) for d in obj.dups)
    return (
        f"{what} repeats the key(s) {keys}; its meaning is ambiguous "
        "(remove the duplicates and keep the value you mean)"
    )


DECODER = json.JSONDecoder(parse_constant=_non_finite_marker, object_pairs_hook=pairs_hook)


def json_error_message(exc: json.JSONDecodeError) -> str:
    return (
        f"not valid JSON: {decoder_message(exc.msg)} at line {exc.lineno}, column {exc.colno} "
        "(the file is damaged or truncated; re-export or re-download it)"
    )


def decoder_message(msg: str) -> str:
    return msg[:-3] if msg.endswith(" at") else msg  # "Unterminated string starting at"


NESTED_TOO_DEEP = (
    "not usable JSON: arrays or objects are nested far too deeply (is this really a GeoJSON file?)"
)


def load_json(data: bytes, name: str):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); GeoJSON must be UTF-8: "
            "re-save the file as UTF-8",
            file=name,
        ) from None
    if not text.strip():
        raise DataError("the file is empty; expected a GeoJSON object", file=name)
    try:
        return json.loads(text, parse_constant=_non_finite_marker, object_pairs_hook=pairs_hook)
    except GeoJSONProblem as exc:
        raise DataError(f"not strict JSON: {exc}", file=name) from None
    except RecursionError:
        raise DataError(NESTED_TOO_DEEP, file=name) from None
    except json.JSONDecodeError as exc:
        raise DataError(json_error_message(exc), file=name) from None
    except ValueError as exc:  # e.g. integers with too many digits
        raise DataError(f"not usable JSON: {exc}", file=name) from None


SUSPECT_TYPES = (list, dict, RepeatedKeys, float, NonFinite)


def inspect_value(value, what: str, depth: int = 0) -> str | None:
    """The first strictness problem in a parsed JSON value (iteratively: no recursion).

    Non-finite numbers (overflow), repeated keys, nesting deeper than MAX_DEPTH.
    """
    stack = [(value, depth)]
    while stack:
        v, d = stack.pop()
        t = type(v)
        if t is NonFinite:
            return (
                f"{what} holds {v.name}, which is not allowed in JSON (use null, or a real number)"
            )
        if t is float:
            if not math.isfinite(v):
                return (
                    f"{what} holds a number too large for a 64-bit float (it overflows to infinity)"
                )
        elif t is list:
            if d >= MAX_DEPTH:
                return f"{what} is nested more than {MAX_DEPTH} levels deep"
            stack.extend((x, d + 1) for x in v if type(x) in SUSPECT_TYPES)
        elif t is dict or t is RepeatedKeys:
            if t is RepeatedKeys:
                return repeated_keys_message(v, f"{what} holds an object that")
            if d >= MAX_DEPTH:
                return f"{what} is nested more than {MAX_DEPTH} levels deep"
            stack.extend((x, d + 1) for x in v.values() if type(x) in SUSPECT_TYPES)
    return None


def bbox_problem(bbox) -> str | None:
    if (
        isinstance(bbox, list)
        and len(bbox) in (4, 6)
        and all(is_number(v) and math.isfinite(v) for v in bbox)
    ):
        return None
    if isinstance(bbox, list):
        found = f"an array of {len(bbox)} element(s)"
        if not all(is_number(v) for v in bbox):
            found += ", not all numbers"
    else:
        found = json_type(bbox)
    return f"'bbox' must be an array of 4 (or 6, with heights) numbers, not {found}; ignored"


def is_number(v) -> bool:
    return (isinstance(v, (int, float))) and not isinstance(v, bool)



def json_type(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, NonFinite):
        return v.name
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"
