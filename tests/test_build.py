"""frontmap build: incremental, reproducible, atomic, and safe with names."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from frontmap.build.outputs import is_temporary
from frontmap.cli import main

from .conftest import ROOT

MANIFEST = """
title = "Test set"
[defaults]
layers = "layers"
output = "out"
credit = "made in a test"

[[map]]
name = "mosul"
from = "2017-01-09"
to = "2017-01-16"
title = "Mosul"

[[map]]
name = "palmyra"
from = "2016-12-01"
to = "2016-12-11"
mode = "swipe"
basemap = "none"

[[map]]
name = "weekly"
pairs = "consecutive"

[[table]]
name = "areas"
kind = "areas"
format = "csv"
"""


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "layers", tmp_path / "layers", ignore=shutil.ignore_patterns("_*"))
    (tmp_path / "frontmap.toml").write_text(MANIFEST)
    return tmp_path


def build(project, *args):
    r = CliRunner().invoke(
        main, ["build", "--config", str(project / "frontmap.toml"), *args], catch_exceptions=False
    )
    return r


def snapshot(folder: Path) -> dict:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(folder))] = (
                st.st_mtime_ns,
                hashlib.sha256(p.read_bytes()).hexdigest(),
            )
    return out


def test_build_then_noop(project):
    r = build(project, "--jobs", "1")
    assert r.exit_code == 0, r.output
    out = project / "out"
    files = snapshot(out)
    for name in (
        "mosul.html",
        "mosul.diff.json",
        "mosul.diff.csv",
        "palmyra.html",
        "weekly/2017-01-09_2017-01-16.html",
        "weekly/2016-12-01_2016-12-11.diff.json",
        "areas.csv",
        "index.html",
        ".frontmap-build.json",
    ):
        assert name in files, name
    assert "mosul.png" not in files
    assert "built 6, skipped 0" in r.output
    index = (out / "index.html").read_text()
    assert 'href="mosul.html"' in index and "Mosul" in index and "2017-01-09" in index
    assert "IS → IQ" in index  # headline numbers
    # the bundled basemap by default; "none" still draws none
    assert '"bundled":{"scale":"50m"' in (out / "mosul.html").read_text()
    assert '"bundled":null' in (out / "palmyra.html").read_text()
    time.sleep(0.01)
    r = build(project, "--jobs", "1")
    assert r.exit_code == 0 and "built 0, skipped 6" in r.output
    assert snapshot(out) == files  # nothing rewritten: same bytes, same mtimes
    r = build(project, "--check")
    assert r.exit_code == 0 and "all outputs up to date" in r.output


def test_changing_one_file_rebuilds_exactly_its_entries(project):
    # without the area chart (all dates) on its page, a map uses the files of its two dates
    manifest = project / "frontmap.toml"
    manifest.write_text(manifest.read_text().replace("[defaults]\n", "[defaults]\nchart = false\n"))
    assert build(project).exit_code == 0
    f = project / "layers" / "2016-12-11" / "TFSA.geojson"
    f.write_text(f.read_text().replace('"note"', '"edited": true, "note"'))
    r = build(project, "--check")
    assert r.exit_code == 1
    lines = r.output.splitlines()
    stale = sorted(x.split()[1].rstrip(":") for x in lines if x.startswith("stale"))
    assert stale == [
        "areas",
        "palmyra",
        "weekly/2016-12-01_2016-12-11",
        "weekly/2016-12-11_2017-01-09",
    ]
    r = build(project)
    lines = r.output.splitlines()
    built = sorted(x.split()[1] for x in lines if x.startswith("built    "))
    assert built == stale
    assert build(project, "--check").exit_code == 0


def test_with_the_chart_a_changed_file_rebuilds_every_map(project):
    assert build(project).exit_code == 0
    f = project / "layers" / "2016-12-11" / "TFSA.geojson"
    f.write_text(f.read_text().replace('"note"', '"edited": true, "note"'))
    r = build(project, "--check")
    stale = sorted(x.split()[1].rstrip(":") for x in r.output.splitlines()
                   if x.startswith("stale"))
    assert "mosul" in stale and "weekly/2017-01-09_2017-01-16" in stale


def test_check_finds_missing_and_edited_outputs(project):
    assert build(project).exit_code == 0
    (project / "out" / "mosul.diff.csv").unlink()
    r = build(project, "--check")
    assert r.exit_code == 1 and "mosul.diff.csv is missing" in r.output
    assert not (project / "out" / "mosul.diff.csv").exists()  # --check writes nothing
    assert build(project).exit_code == 0
    (project / "out" / "areas.csv").write_text("tampered")
    r = build(project, "--check")
    assert r.exit_code == 1 and "areas.csv was changed since it was built" in r.output
    # a manifest change makes its entry stale
    assert build(project).exit_code == 0
    text = (project / "frontmap.toml").read_text().replace('title = "Mosul"', 'title = "Mosul!"')
    (project / "frontmap.toml").write_text(text)
    r = build(project, "--check")
    assert r.exit_code == 1 and "mosul" in r.output and "inputs changed" in r.output


def test_broken_entry_does_not_stop_the_others(project):
    text = (
        MANIFEST
        + """
[[map]]
name = "nodate"
from = "2017-01-09"
to = "2018-01-01"
"""
    )
    (project / "frontmap.toml").write_text(text)
    bad = project / "layers" / "2016-12-01" / "OPP.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    r = build(project)
    assert r.exit_code == 1
    assert "failed   nodate" in r.output and "no snapshot dated 2018-01-01" in r.output
    assert "failed   palmyra" in r.output and "OPP.geojson" in r.output
    assert "built    mosul" in r.output and (project / "out" / "mosul.html").is_file()
    assert "failed 4" in r.output  # nodate, palmyra, weekly 12-01, areas


@pytest.mark.parametrize("name", ["../escape", "/tmp/abs", "a/../../b", "..", "x/./y", "C:/x"])
def test_names_leading_outside_are_refused(project, name):
    (project / "frontmap.toml").write_text(
        MANIFEST + f'\n[[table]]\nname = "{name}"\nkind = "areas"\n'
    )
    r = build(project)
    assert r.exit_code == 1
    assert "refused" in r.output and name in r.output
    assert not (project / "escape.csv").exists() and not Path("/tmp/abs.csv").exists()
    assert (project / "out" / "areas.csv").is_file()  # the others were built


def test_same_bytes_for_jobs_1_and_2(project, tmp_path):
    other = tmp_path / "copy"
    shutil.copytree(project, other)
    assert build(project, "--jobs", "1").exit_code == 0
    assert build(other, "--jobs", "2").exit_code == 0
    a = {k: v[1] for k, v in snapshot(project / "out").items()}
    b = {k: v[1] for k, v in snapshot(other / "out").items()}
    assert a == b
    assert build(project, "--force", "--jobs", "2").exit_code == 0
    assert {k: v[1] for k, v in snapshot(project / "out").items()} == a


def test_bad_manifest_messages(project):
    (project / "frontmap.toml").write_text("[defaults]\nlayer = 'x'\n[[map]]\nname='a'\n")
    r = CliRunner().invoke(main, ["build", "--config", str(project / "frontmap.toml")])
    assert r.exit_code == 1 and "unknown key(s) layer" in r.output
    r = CliRunner().invoke(main, ["build", "--config", str(project / "missing.toml")])
    assert r.exit_code == 1 and "no such manifest" in r.output


@pytest.mark.slow
def test_sigkill_mid_write_leaves_outputs_whole(project):
    """Kill builds at several moments: every output is always a complete old or new file."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cmd = [
        sys.executable,
        "-m",
        "frontmap",
        "build",
        "--config",
        str(project / "frontmap.toml"),
        "--jobs",
        "1",
    ]
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    old = {k: v[1] for k, v in snapshot(project / "out").items()}
    manifest = project / "frontmap.toml"
    manifest.write_text(manifest.read_text().replace("made in a test", "made in a test, v2"))
    for delay in (0.4, 0.8, 1.2, 1.6, 2.0):
        proc = subprocess.Popen(
            cmd + ["--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for rel in snapshot(project / "out"):
            if is_temporary(rel):
                continue  # hidden leftovers of the killed writer; swept by the next build
            assert rel in old, rel
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    new = {k: v[1] for k, v in snapshot(project / "out").items()}
    assert not [k for k in new if is_temporary(k)]
    changed = {k for k in new if new[k] != old.get(k)}
    assert "mosul.html" in changed  # the credit line changed the pages
    # every file seen during the killed runs was a whole old or a whole new file
    for delay in (0.5, 1.0):
        proc = subprocess.Popen(
            cmd + ["--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for rel, (_, digest) in snapshot(project / "out").items():
            if not is_temporary(rel):
                assert digest in (old.get(rel), new.get(rel)), rel
    # kills that certainly land mid-write: a build whose fsync is slowed down (the data is
    # in the temporary file, not yet renamed) is killed the moment a temporary file exists;
    # the leftover proves that the write was cut short
    out = project / "out"
    slow = (
        "import os, sys, time\n"
        "real = os.fsync\n"
        "os.fsync = lambda fd: (time.sleep(0.3), real(fd))[1]\n"
        "from frontmap.cli import main\n"
        "main(sys.argv[1:], prog_name='frontmap')\n"
    )
    slow_cmd = [sys.executable, "-c", slow, *cmd[3:]]
    before = {k: v[1] for k, v in snapshot(out).items() if not is_temporary(k)}
    prev = before
    for attempt in range(2):
        # outputs are written only when their bytes change: change them
        text = manifest.read_text()
        manifest.write_text(text.replace(f"v{2 + attempt}", f"v{3 + attempt}"))
        proc = subprocess.Popen(
            slow_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        deadline = time.monotonic() + 60
        while not any(is_temporary(p.name) for p in out.rglob("*")):
            assert proc.poll() is None and time.monotonic() < deadline, "no write was seen"
            time.sleep(0.001)
        time.sleep(0.05 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert any(is_temporary(p.name) for p in out.rglob("*")), "the kill missed the write"
        after = {k: v[1] for k, v in snapshot(out).items() if not is_temporary(k)}
        assert after.keys() == before.keys()  # nothing lost, nothing half-written in place
        subprocess.run(cmd, check=True, capture_output=True, env=env)  # finish, sweep
        before = {k: v[1] for k, v in snapshot(out).items() if not is_temporary(k)}
        assert not [k for k in snapshot(out) if is_temporary(k)]
        for rel, digest in after.items():  # each file was whole: old, or as now rebuilt
            assert digest in (prev.get(rel), before.get(rel)), rel
        prev = before


@pytest.mark.slow
def test_build_on_a_dask_cluster_gives_the_same_bytes(project, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    other = tmp_path / "copy"
    shutil.copytree(project, other)
    assert build(project, "--jobs", "1").exit_code == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        r = build(other, "--scheduler", cluster.scheduler_address)
    assert r.exit_code == 0, r.output
    a = {k: v[1] for k, v in snapshot(project / "out").items()}
    b = {k: v[1] for k, v in snapshot(other / "out").items()}
    assert a == b
