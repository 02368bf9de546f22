"""Nothing lost, under faults, run for real: two builds on one output folder, a
full disk, a read-only folder, -o into a folder that is not there, dates given
backwards. Each fault gives exit 1 and a message naming the path and the
reason, and the outputs that were there before stay whole."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from frontmap.build.lock import LOCK_FILE
from frontmap.build.outputs import is_temporary, sweep_temporary
from frontmap.cli import main

from .conftest import ROOT

D1, D2 = "2017-01-09", "2017-01-16"

MANIFEST = """
title = "Faults"
[defaults]
layers = "layers"
output = "{output}"
credit = "{credit}"

[[map]]
name = "mosul"
from = "2017-01-09"
to = "2017-01-16"

[[map]]
name = "weekly"
pairs = "consecutive"

[[table]]
name = "areas"
kind = "areas"
"""


def write_manifest(project: Path, output="out", credit="first") -> Path:
    path = project / "frontmap.toml"
    path.write_text(MANIFEST.format(output=output, credit=credit))
    return path


@pytest.fixture
def project(tmp_path):
    p = tmp_path / "project"
    shutil.copytree(ROOT / "layers", p / "layers", ignore=shutil.ignore_patterns("_*"))
    write_manifest(p)
    return p


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def recorded_outputs_are_whole(out: Path) -> int:
    """Every output the state file records is on disk with the recorded bytes."""
    state = json.loads((out / ".frontmap-build.json").read_text())
    n = 0
    for entry in state["entries"].values():
        for rel, digest in entry["outputs"].items():
            assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest, rel
            n += 1
    return n


def frontmap_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "frontmap", *[str(a) for a in args]]


# -- two builds on one output folder ------------------------------------------------------


def _holds_lock(lock: Path) -> bool:
    """True while some process holds the build lock (probed without taking it)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the probe's own lock, if it got one
    return False


def _wait_for(cond, timeout=60.0, what="condition"):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_a_second_build_waits_for_the_first(project, tmp_path):
    """Two real builds on one folder: the second waits (saying so) while the first
    holds the lock, then finds everything built; with --no-wait it stops, exit 1."""
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    assert run("build", "--config", reference / "frontmap.toml", "--jobs", "1").exit_code == 0

    config = project / "frontmap.toml"
    out = project / "out"
    a = subprocess.Popen(
        frontmap_cmd("build", "--config", config, "--jobs", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    b = None
    try:
        _wait_for(lambda: _holds_lock(out / LOCK_FILE), what="the first build's lock")
        os.kill(a.pid, signal.SIGSTOP)  # hold the first build inside its locked run
        b = subprocess.Popen(
            frontmap_cmd("build", "--config", config, "--jobs", "1"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert b.stderr is not None
        line = b.stderr.readline()  # blocks until the second build says something
        assert line.startswith(
            f"frontmap: waiting for another frontmap build (pid {a.pid}) to finish writing to "
        ), line
        assert str(out) in line and "--no-wait" in line
        refused = subprocess.run(
            frontmap_cmd("build", "--config", config, "--no-wait"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 1, refused.stderr
        assert f"another frontmap build (pid {a.pid}) is writing to {out}" in refused.stderr
        assert b.poll() is None  # still waiting
        os.kill(a.pid, signal.SIGCONT)
        a_out, a_err = a.communicate(timeout=120)
        b_out, b_err = b.communicate(timeout=120)
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert a.returncode == 0, a_err
    assert b.returncode == 0, b_err
    assert "built 5, skipped 0" in a_out
    assert "built 0, skipped 5" in b_out  # it waited, then found the first one's work
    assert "Traceback" not in a_err + b_err
    got = {k: v for k, v in digests(out).items() if k != LOCK_FILE}
    assert got == {k: v for k, v in digests(reference / "out").items() if k != LOCK_FILE}
    assert not [k for k in got if is_temporary(k)]
    assert recorded_outputs_are_whole(out) == 17  # 4 maps x (page, JSON, CSV, thumb) + a table


def test_concurrent_builds_that_both_write(project):
    """Two builds that both have everything to write, started together, sweeping and
    writing: both finish (exit 0, one after the other) and every output is whole."""
    config = project / "frontmap.toml"
    assert run("build", "--config", config, "--jobs", "1").exit_code == 0
    write_manifest(project, credit="second")  # every page changes: all is rewritten
    procs = [
        subprocess.Popen(
            frontmap_cmd("build", "--config", config, "--jobs", "1", "--force"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "internal error" not in err and "Traceback" not in err
    waited = [err for _out, err in results if "waiting for another frontmap build" in err]
    assert len(waited) >= 1  # they did overlap, and the lock put them in a row
    assert recorded_outputs_are_whole(project / "out") == 17
    assert "second" in (project / "out" / "mosul.html").read_text()
    assert not [k for k in digests(project / "out") if is_temporary(k)]


def test_sweep_removes_only_orphaned_temporary_files(tmp_path):
    """A temporary file carries its writer's pid: a build sweeps those of writers that are
    gone (or whose pid now belongs to a process started after the file was written), and
    keeps those of live writers, such as a 'frontmap compare' writing into the folder."""
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.05)
        files = {
            "dead": out / f".a.html.{dead.pid}-k3j2h1.tmp",
            "live": out / "sub" / f".b.html.{live.pid}-x8y7z6.tmp",
            "reused": out / f".c.html.{live.pid}-q1w2e3.tmp",  # written before `live` started
            "old_style_old": out / ".d.html.abcdefgh.tmp",
            "old_style_new": out / ".e.html.ijklmnop.tmp",
        }
        for p in files.values():
            p.write_bytes(b"partial")
        past = time.time() - 3600
        for key in ("reused", "old_style_old"):
            os.utime(files[key], (past, past))
        (out / "page.html").write_bytes(b"kept")
        removed = sorted(sweep_temporary(out))
        assert removed == sorted([files["dead"], files["reused"], files["old_style_old"]])
        assert files["live"].exists() and files["old_style_new"].exists()
        assert (out / "page.html").read_bytes() == b"kept"
    finally:
        live.kill()
        live.wait()
    assert sweep_temporary(out) == [files["live"]]  # its writer is gone now


# -- a full disk, a read-only folder ------------------------------------------------------


class Disk:
    """A small disk for outputs: a real tmpfs when this test may mount one (root), else a
    folder where the fault is injected at write time (os.fsync or mkstemp fail)."""

    def __init__(self, path: Path, mounted: bool, monkeypatch):
        self.path = path
        self.mounted = mounted
        self.monkeypatch = monkeypatch

    def fill(self) -> None:
        if not self.mounted:
            self._inject("fsync", errno.ENOSPC)
            return
        with open(self.path / "filler", "wb", buffering=0) as fh:
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * 4096)
        assert shutil.disk_usage(self.path).free < 4096

    def read_only(self) -> None:
        if not self.mounted:
            self._inject("mkstemp", errno.EROFS)
            return
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def _inject(self, name: str, code: int) -> None:
        import frontmap.build.outputs as outputs

        def fail(*_a, **_k):
            raise OSError(code, os.strerror(code))

        target = outputs.os if name == "fsync" else outputs.tempfile
        self.monkeypatch.setattr(target, name, fail)


@pytest.fixture
def disk(tmp_path, monkeypatch):
    path = tmp_path / "disk"
    path.mkdir()
    mounted = False
    may_mount = not os.environ.get("FRONTMAP_TEST_NO_MOUNT")  # =1: try the injected faults
    if may_mount and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount"):
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)], capture_output=True
        )
        mounted = r.returncode == 0
    try:
        yield Disk(path, mounted, monkeypatch)
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=False)
            if os.path.ismount(path):
                subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_disk_keeps_the_previous_page(disk, project):
    page = disk.path / "page.html"
    page.write_bytes(b"the page of yesterday")
    disk.fill()
    r = run("compare", D1, D2, project / "layers", "--offline", "-o", page)
    assert r.exit_code == 1, r.output
    assert r.stderr == (
        f"frontmap: error: no space left on device writing {page} "
        "(the file that was there is untouched)\n"
    )
    assert page.read_bytes() == b"the page of yesterday"
    assert not [p for p in disk.path.iterdir() if is_temporary(p)]


def test_full_disk_in_a_build_keeps_the_outputs_whole(disk, project):
    out = disk.path / "out"
    config = write_manifest(project, output=out)
    assert run("build", "--config", config, "--jobs", "1").exit_code == 0
    before = digests(out)
    assert recorded_outputs_are_whole(out) == 17  # 4 maps x (page, JSON, CSV, thumb) + a table
    write_manifest(project, output=out, credit="second")
    disk.fill()
    r = run("build", "--config", config, "--jobs", "1")
    assert r.exit_code == 1, r.output
    message = r.stderr.strip()
    assert message.startswith(f"frontmap: error: no space left on device writing {out}/"), message
    assert message.endswith("run again to finish") or message.endswith("nothing was built")
    assert "internal error" not in r.output
    assert digests(out) == before  # every file as it was: a full file or the old one
    assert recorded_outputs_are_whole(out) == 17  # 4 maps x (page, JSON, CSV, thumb) + a table
    assert not [k for k in digests(out) if is_temporary(k)]


def test_read_only_output_folder(disk, project):
    out = disk.path / "out"
    config = write_manifest(project, output=out)
    assert run("build", "--config", config, "--jobs", "1").exit_code == 0
    before = digests(out)
    write_manifest(project, output=out, credit="second")
    disk.read_only()
    r = run("build", "--config", config, "--jobs", "1")
    assert r.exit_code == 1, r.output
    assert f"frontmap: error: read-only file system writing {out}/" in r.stderr, r.stderr
    assert digests(out) == before
    r = run("build", "--config", config, "--check")  # --check still reads the folder
    assert r.exit_code == 1 and "stale    mosul" in r.stdout, r.output
    page = out / "mosul.html"
    r = run("compare", D1, D2, project / "layers", "--offline", "-o", page)
    assert r.exit_code == 1
    assert f"read-only file system writing {page}" in r.stderr
    assert digests(out) == before


def test_standard_output_on_a_full_disk(disk, project):
    if not disk.mounted:
        pytest.skip("needs a real small disk under stdout (root, mount)")
    disk.fill()
    target = disk.path / "timeline.csv"
    with open(target, "wb") as fh:
        p = subprocess.run(
            frontmap_cmd("timeline", project / "layers"), stdout=fh, stderr=subprocess.PIPE,
            text=True, timeout=120,
        )
    assert p.returncode == 1, p.stderr
    assert p.stderr == (
        f"frontmap: error: no space left on device writing {target} (standard output)\n"
    )


# -- -o where there is no folder ----------------------------------------------------------


def test_output_into_a_missing_folder_is_refused(project, tmp_path, monkeypatch):
    for option, name in (("-o", "page.html"), ("--png", "page.png")):
        target = tmp_path / "typo" / "maps" / name
        args = ["compare", D1, D2, project / "layers", "--offline", "-o", tmp_path / "p.html"]
        if option == "-o":
            args[-1] = target
        else:
            args += ["--png", target]
        r = run(*args)
        assert r.exit_code == 1, r.output
        assert r.stderr == (
            f"frontmap: error: cannot write {target}: the folder {target.parent} does not "
            "exist (create it first, or check the spelling)\n"
        )
        assert not (tmp_path / "typo").exists()
        assert not (tmp_path / "p.html").exists()  # refused before any work
    # the default output/ folder (no -o) is still made
    monkeypatch.chdir(tmp_path)
    r = run("compare", D1, D2, project / "layers", "--offline")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "output" / f"{D1}_{D2}.html").is_file()


def test_output_below_a_regular_file_is_refused(project, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    target = blocker / "maps" / "page.html"
    r = run("compare", D1, D2, project / "layers", "--offline", "-o", target)
    assert r.exit_code == 1, r.output
    assert r.stderr == (
        f"frontmap: error: cannot write {target}: {blocker} is a file, not a folder\n"
    )
    assert blocker.read_text() == "a file"
    # the same in a build, for the output folder of the manifest
    config = write_manifest(project, output=blocker / "out")
    r = run("build", "--config", config)
    assert r.exit_code == 1, r.output
    assert f"{blocker} is a file, not a folder" in r.stderr
    assert "internal error" not in r.output


# -- FROM later than TO ---------------------------------------------------------------------


def test_from_later_than_to_warns_and_keeps_the_order(project):
    layers = project / "layers"
    forward = run("diff", D1, D2, layers, "--format", "json")
    backward = run("diff", D2, D1, layers, "--format", "json")
    assert forward.exit_code == 0 and backward.exit_code == 0
    assert forward.stderr == ""
    assert backward.stderr == (
        f"frontmap: warning: FROM ({D2}) is later than TO ({D1}); showing the change from "
        f"{D2} back to {D1} as given (swap them for the change forward in time)\n"
    )
    f, b = json.loads(forward.stdout), json.loads(backward.stdout)
    assert (b["from"], b["to"]) == (D2, D1)
    fw = {x["faction"]: x for x in f["factions"]}
    for x in b["factions"]:  # the change as given: what was lost going forward is gained
        assert x["gained_km2"] == pytest.approx(fw[x["faction"]]["lost_km2"], abs=1e-6)
        assert x["area_from_km2"] == pytest.approx(fw[x["faction"]]["area_to_km2"], abs=1e-6)
    r = run("compare", D2, D1, layers, "--offline", "-o", project / "back.html")
    assert r.exit_code == 0, r.output
    assert "is later than TO" in r.stderr
    page = (project / "back.html").read_text()
    data = page.index('id="fm-data"')
    assert page.index(D2, data) < page.index(D1, data)  # FROM on the left, as given
