"""The cluster path, for real: a ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1 (random ports, no dashboard, one thread each), started from another
folder than the client's, and frontmap run as a user runs it (a subprocess).

Same bytes as a local run for ``timeline`` and ``build`` (a manifest with
relative paths); a worker killed mid-run changes nothing; every worker gone, a
killed scheduler or none at all is exit 1 with a message that says what
happened and how far the run got."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

distributed = pytest.importorskip("distributed")

MANIFEST = """
title = "On a cluster"
[defaults]
layers = "layers"
output = "out"

[[map]]
name = "mosul"
from = "2017-01-09"
to = "2017-01-16"
mode = "swipe"
png = true

[[map]]
name = "weekly"
pairs = "consecutive"

[[table]]
name = "timeline"
kind = "timeline"
"""


class Cluster:
    """A scheduler and workers as subprocesses, each in a folder of its own."""

    def __init__(self, where: Path, workers: int = 2):
        self.where = where
        self.where.mkdir(parents=True, exist_ok=True)
        self.file = where / "scheduler.json"
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = self._start(
            "scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0"]
        )
        try:
            t0 = time.monotonic()
            while not self._address():
                if self.scheduler.poll() is not None or time.monotonic() - t0 > 60:
                    raise RuntimeError("the Dask scheduler did not start")
                time.sleep(0.05)
            self.address = self._address()
            self.client = distributed.Client(self.address, timeout=30, set_as_default=False)
            for i in range(workers):
                self.add_worker(f"w{i}")
            if workers:
                self.client.wait_for_workers(workers, timeout=60)
        except BaseException:
            self.close()  # no process outlives a cluster that failed to start
            raise

    def _address(self) -> str | None:
        try:
            return json.loads(self.file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            return None

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        folder = self.where / name
        folder.mkdir(exist_ok=True)
        log = open(folder / "log", "wb")  # noqa: SIM115 - closed with the process
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "dask", *args, "--no-dashboard",
                 "--scheduler-file", str(self.file)],
                cwd=folder,  # not the client's folder: relative paths would not resolve
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()

    def add_worker(self, name: str) -> None:
        self.workers[name] = self._start(
            name,
            ["worker", "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--name", name],
        )

    def busy_worker(self, timeout: float = 60.0) -> str:
        """The name of a worker that is running a task now (waits for one)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            names = {a: w["name"] for a, w in self.client.scheduler_info()["workers"].items()}
            for addr, keys in self.client.processing().items():
                if keys and addr in names:
                    return names[addr]
            time.sleep(0.02)
        raise AssertionError("no worker ever ran a task")

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        """Kill every process (no graceful shutdown to wait for) and reap it."""
        for p in [*self.workers.values(), self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
        client = getattr(self, "client", None)
        if client is not None:
            try:
                client.close(timeout=2)
            except Exception:  # noqa: BLE001 - the scheduler is gone by now
                pass


@pytest.fixture
def cluster(tmp_path):
    """A cluster of one's own, for the tests that break it."""
    c = Cluster(tmp_path / "dask")
    yield c
    c.close()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory):
    """A cluster kept whole across tests (a test that kills a worker starts another)."""
    c = Cluster(tmp_path_factory.mktemp("dask"))
    yield c
    c.close()


def make_project(where: Path) -> Path:
    shutil.copytree(ROOT / "layers", where / "layers", ignore=shutil.ignore_patterns("_*"))
    (where / "frontmap.toml").write_text(MANIFEST)
    return where


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project")


def frontmap(*args, cwd: Path, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frontmap", *[str(a) for a in args]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def frontmap_started(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "frontmap", *[str(a) for a in args]],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def local_build(tmp_path_factory) -> dict[str, str]:
    """The same project built locally (one process): the bytes to expect."""
    ref = make_project(tmp_path_factory.mktemp("local") / "project")
    r = frontmap("build", "--jobs", "1", cwd=ref)
    assert r.returncode == 0, r.stderr
    return digests(ref / "out")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_timeline_same_bytes_as_local(shared_cluster, tmp_path):
    cluster = shared_cluster
    from frontmap.bench.synthetic import generate

    generate(tmp_path / "series", days=40, vertices=600)  # five runs of 8 dates
    local = frontmap("timeline", "series", "--jobs", "1", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    assert local.stdout.count("\n") == 1 + 39 * 3
    remote = frontmap("timeline", "series", "--scheduler", cluster.address, cwd=tmp_path)
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout
    assert remote.stderr == ""  # no Dask logging reaches the user
    assert len(cluster.client.scheduler_info()["workers"]) == 2


def test_build_with_relative_paths_same_bytes_as_local(shared_cluster, project, local_build):
    cluster = shared_cluster
    # the issue: every entry failed with "layers: no such file or folder" on the workers
    r = frontmap("build", "--scheduler", cluster.address, cwd=project)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "failed" not in r.stdout and "built 5, skipped 0" in r.stdout
    assert digests(project / "out") == local_build
    # from another folder, the manifest named by a relative path
    shutil.rmtree(project / "out")
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    r = frontmap("build", "--config", "../project/frontmap.toml", "--scheduler", cluster.address,
                 cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr
    assert digests(project / "out") == local_build


def test_a_killed_worker_changes_nothing(shared_cluster, project, local_build):
    cluster = shared_cluster
    run = frontmap_started("build", "--scheduler", cluster.address, cwd=project)
    try:
        busy = cluster.busy_worker()
        cluster.kill(cluster.workers.pop(busy))  # mid-task: the other worker takes it over
        out, err = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        cluster.add_worker(f"{busy}-again")
    assert run.returncode == 0, out + err
    assert digests(project / "out") == local_build
    cluster.client.wait_for_workers(2, timeout=60)


def test_every_worker_gone_is_an_error_not_a_hang(cluster, project, local_build):
    t0 = time.monotonic()
    run = frontmap_started(
        "build", "--scheduler", cluster.address, "--scheduler-timeout", "2", cwd=project
    )
    try:
        cluster.busy_worker()
        for w in cluster.workers.values():
            cluster.kill(w)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1, out + err
    assert time.monotonic() - t0 < 60
    assert err.startswith(f"frontmap: error: no Dask workers for 2 s at {cluster.address} "), err
    assert "entries were done before that" in err or "nothing was built" in err
    assert "Traceback" not in err and "internal error" not in err
    # a timeline on the scheduler that has no workers left: the same, and where it stops
    r = frontmap("timeline", "layers", "--scheduler", cluster.address,
                 "--scheduler-timeout", "1.5", cwd=project)
    assert r.returncode == 1
    assert r.stderr == (
        f"frontmap: error: no Dask workers for 1.5 s at {cluster.address} (start some with "
        "'dask worker ADDRESS', or raise --scheduler-timeout); no rows were written\n"
    )
    assert r.stdout.startswith("date_from,") and r.stdout.count("\n") == 1  # the header only
    # what was built is recorded; a local run finishes the job with the same bytes
    r = frontmap("build", "--jobs", "1", cwd=project)
    assert r.returncode == 0, r.stderr
    assert digests(project / "out") == local_build


def test_a_killed_scheduler_is_an_error(cluster, project):
    run = frontmap_started("build", "--scheduler", cluster.address, cwd=project)
    try:
        cluster.busy_worker()
        cluster.kill(cluster.scheduler)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1, out + err
    assert err.startswith(f"frontmap: error: lost the Dask scheduler at {cluster.address}; "), err
    assert err.endswith(": run again to finish\n") or err.endswith("nothing was built\n"), err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("command", ["timeline", "build"])
def test_no_scheduler(project, command):
    address = f"tcp://127.0.0.1:{free_port()}"
    args = ["timeline", "layers"] if command == "timeline" else ["build"]
    t0 = time.monotonic()
    r = frontmap(*args, "--scheduler", address, "--scheduler-timeout", "1", cwd=project)
    assert time.monotonic() - t0 < 30
    assert r.returncode == 1
    assert r.stderr.startswith(
        f"frontmap: error: cannot reach the Dask scheduler at {address} within 1 s ("
    ), r.stderr
    assert r.stderr.endswith("is 'dask scheduler' running there?\n")
    assert r.stdout == ""
    assert not (project / "out" / "index.html").exists()
    assert os.listdir(project / "layers")  # nothing touched
