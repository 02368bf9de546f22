"""Map sets for CI: ``frontmap build`` from a manifest, incremental and reproducible.

A manifest (``frontmap.toml``) holds defaults shared by every entry and
entries: ``[[map]]`` (a comparison page, its PNG, its diff as JSON and CSV)
and ``[[table]]`` (areas, timeline or splits). An entry is rebuilt only when
its inputs change: the content hashes of the layer files it uses, its
resolved manifest entry, and frontmap's version. What was built is recorded
in ``<output>/.frontmap-build.json`` (deterministic; commit it with the
outputs so that ``frontmap build --check`` can verify them in CI).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import FrontmapError
from .entries import run_entry
from .index import render_index
from .manifest import INDEX_FILE, STATE_FILE, Manifest
from .outputs import same_content, sweep_temporary, write_atomic
from .plan import Catalogs, Entry, FileHashes, entry_key, plan, sha256_file

__all__ = ["BuildReport", "build", "Progress"]

@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    stale: dict[str, str] = field(default_factory=dict)  # --check: output -> why
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.stale


def _load_state(output: Path) -> dict:
    try:
        state = json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
        if isinstance(state, dict) and isinstance(state.get("entries"), dict):
            return state
    except (OSError, ValueError):
        pass
    return {"entries": {}}


def _state_bytes(entries: dict) -> bytes:
    doc = {"frontmap": __version__, "entries": {k: entries[k] for k in sorted(entries)}}
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _outputs_current(output: Path, recorded: dict) -> str | None:
    """Why the recorded outputs are not on disk as built, or None when they are."""
    for rel, digest in sorted(recorded.get("outputs", {}).items()):
        path = output / rel
        if not path.is_file():
            return f"{rel} is missing"
        if sha256_file(path) != digest:
            return f"{rel} was changed since it was built"
    return None


#: progress(status, entry, seconds, detail, done, total)
Progress = Callable[[str, str, float, str, int, int], None]


def build(
    manifest: Manifest,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    scheduler_timeout: float = 60.0,
    check: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build every entry that is out of date (all with ``force``; none with ``check``,
    which only reports what is stale). ``progress(status, entry, seconds, detail,
    done, total)`` is called once per entry.

    One build at a time writes to an output folder: this one holds the lock on
    it (:mod:`.lock`) throughout, waiting for another build that holds it
    (``on_wait(message)`` is called first), or raising
    :class:`~frontmap.errors.OutputBusyError` if not ``wait``. When the run
    stops early (the disk fills, the Dask cluster is lost), what was built so
    far is recorded before the error is raised, so the next run resumes."""
    from .lock import output_lock

    t0 = time.perf_counter()
    with output_lock(manifest.output, shared=check, wait=wait, on_wait=on_wait):
        report = _build_locked(manifest, jobs, scheduler, scheduler_timeout, check, force, progress)
    report.seconds = time.perf_counter() - t0
    return report


def _build_locked(manifest, jobs, scheduler, scheduler_timeout, check, force, progress):
    from .parallel import executor

    report = BuildReport()
    output = manifest.output
    if not check:
        sweep_temporary(output)  # left by a build that was killed mid-write
    catalogs = Catalogs(manifest)
    entries = plan(manifest, catalogs)
    state = _load_state(output)
    recorded = state["entries"]
    hashes = FileHashes()
    new_state: dict[str, dict] = {}
    todo: list[tuple[Entry, str]] = []

    done = 0

    def say(status, e, seconds=0.0, detail=""):
        nonlocal done
        done += 1
        if progress:
            progress(status, e.describe(), seconds, detail, done, len(entries))

    for e in entries:
        if e.error:
            report.failed[e.id] = e.error
            say("failed", e, detail=e.error)
            continue
        key = entry_key(manifest, e, catalogs.get(e.spec), hashes)
        old = recorded.get(e.id)
        why = None
        if force:
            why = "forced"
        elif old is None:
            why = "new"
        elif old.get("key") != key:
            why = "inputs changed"
        elif sorted(old.get("outputs", {})) != sorted(e.outputs):
            why = "outputs changed"
        else:
            why = _outputs_current(output, old)
        if why is None:
            new_state[e.id] = old
            report.skipped.append(e.id)
            say("skipped", e, detail="up to date")
            continue
        if check:
            report.stale[e.id] = why
            say("stale", e, detail=why)
            if old is not None:
                new_state[e.id] = old
            continue
        todo.append((e, key))

    try:
        if todo:
            with executor(jobs if len(todo) > 1 else 1, scheduler, scheduler_timeout) as ex:
                futures = [(e, key, ex.submit(run_entry, manifest, e)) for e, key in todo]
                for e, key, fut in futures:
                    res = fut.result()
                    if res.error:
                        report.failed[e.id] = res.error
                        say("failed", e, res.seconds, res.error)
                        if e.id in recorded:
                            new_state[e.id] = recorded[e.id]
                        continue
                    outputs = {}
                    for rel in sorted(res.files):
                        data = res.files[rel]
                        target = output / rel
                        if not same_content(target, data):
                            write_atomic(target, data, make_parents=True)
                            report.written.append(rel)
                        outputs[rel] = hashlib.sha256(data).hexdigest()
                    new_state[e.id] = {"key": key, "outputs": outputs, "headline": res.headline}
                    report.built.append(e.id)
                    say("built", e, res.seconds, "")
    except FrontmapError:
        # stopped early (a full disk, a lost cluster): keep a record of what was
        # built, and the old records of the rest, whose old outputs are still there
        if report.built:
            for e, _key in todo:
                if e.id not in new_state and e.id in recorded:
                    new_state[e.id] = recorded[e.id]
            with contextlib.suppress(FrontmapError):
                _finish(manifest, entries, new_state, output, check, report)
        raise
    _finish(manifest, entries, new_state, output, check, report)
    return report


def _finish(manifest, entries, new_state, output, check, report) -> None:
    """The index and the state record, written only when their bytes change."""
    index = render_index(manifest, entries, new_state).encode("utf-8")
    state_bytes = _state_bytes(new_state)
    if check:
        if not same_content(output / INDEX_FILE, index):
            report.stale[INDEX_FILE] = "missing or out of date"
        if not same_content(output / STATE_FILE, state_bytes) and not report.stale:
            report.stale[STATE_FILE] = "missing or out of date"
        return
    for name, data in ((INDEX_FILE, index), (STATE_FILE, state_bytes)):
        if not same_content(output / name, data):
            write_atomic(output / name, data, make_parents=True)
            report.written.append(name)
