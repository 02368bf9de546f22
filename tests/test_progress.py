"""Progress on long work: seen on a terminal (a real pseudo-terminal under stderr, as
a user sees it), never on stdout, never in a pipe, and not at all with --quiet."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys

import pytest

from frontmap.cli import main

from .conftest import ROOT

LAYERS = ROOT / "layers"
ANSI = re.compile(r"\x1b\[K")


def on_terminal(args, cwd=None) -> tuple[int, bytes, str]:
    """Run frontmap with stderr on a pseudo-terminal and stdout on a pipe: exit code,
    stdout bytes, and what the terminal received."""
    master, slave = pty.openpty()
    p = subprocess.Popen(
        [sys.executable, "-m", "frontmap", *[str(a) for a in args]],
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )
    os.close(slave)
    out = p.stdout.read() if p.stdout else b""
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    p.wait(timeout=120)
    return p.returncode, out, seen.decode("utf-8", "replace")


def piped(args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "frontmap", *[str(a) for a in args]],
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


def states(terminal: str) -> list[str]:
    """The successive progress lines drawn in place ('\\r\\x1b[K' + text)."""
    return [s for s in ANSI.sub("", terminal).split("\r") if s.strip()]


def test_timeline_shows_files_read_and_pairs_done_on_the_terminal_only():
    code, out, terminal = on_terminal(["timeline", LAYERS, "--jobs", "1"])
    assert code == 0
    plain = piped(["timeline", LAYERS, "--jobs", "1"])
    assert out == plain.stdout  # stdout is the same bytes with or without a terminal
    assert plain.stderr == b""  # nothing on stderr in a pipe
    lines = states(terminal)
    assert lines[0].startswith("timeline [") and "files read" in lines[0]
    assert lines[-1] == "timeline [########################] 28/28 files read, 3/3 pairs done"
    assert terminal.endswith("\r\x1b[K")  # the line is erased at the end
    counts = [int(m.group(1)) for m in map(re.compile(r"(\d+)/28 files").search, lines) if m]
    assert counts == sorted(counts) and counts[-1] == 28


def test_quiet_shows_nothing():
    for args in (["timeline", LAYERS], ["areas", LAYERS], ["dates", LAYERS, "-q"]):
        if args[0] != "dates":
            args = [*args, "--quiet"]
        code, out, terminal = on_terminal(args)
        assert code == 0 and out
        assert terminal == "", (args, terminal)


def test_compare_shows_its_steps(tmp_path):
    code, out, terminal = on_terminal(
        ["compare", "2017-01-09", "2017-01-16", LAYERS, "--offline", "-o", tmp_path / "p.html"]
    )
    assert code == 0, terminal
    assert out.decode().startswith(f"wrote {tmp_path / 'p.html'} (")
    lines = states(terminal)
    assert "compare [########################] 14/14 files read" in lines
    assert "compare computing the change 2017-01-09 -> 2017-01-16" in lines
    assert lines[-1] == "compare drawing the page"


def test_build_bar_under_the_entry_lines(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(LAYERS, project / "layers", ignore=shutil.ignore_patterns("_*"))
    (project / "frontmap.toml").write_text(
        '[defaults]\nlayers = "layers"\noutput = "out"\n'
        '[[map]]\nname = "weekly"\npairs = "consecutive"\n'
    )
    code, out, terminal = on_terminal(["build", "--jobs", "1"], cwd=project)
    assert code == 0, terminal
    text = out.decode()
    assert "\x1b" not in text and "\r" not in text  # the entry lines on stdout are plain
    assert text.count("built    weekly/") == 3
    lines = states(terminal)
    assert lines[0] == "build planning"
    assert [x for x in lines if "entries done" in x][-1].endswith("] 3/3 entries done")
    code, out, terminal = on_terminal(["build", "--jobs", "1", "--quiet"], cwd=project)
    assert code == 0 and terminal == "" and "skipped  weekly/" in out.decode()


def test_errors_start_on_a_line_of_their_own(tmp_path):
    bad = tmp_path / "layers" / "2017-01-09"
    shutil.copytree(LAYERS / "2017-01-09", bad)
    (bad / "XX.geojson").write_text('{"type": "FeatureCollection", "features": [')
    code, out, terminal = on_terminal(["areas", tmp_path / "layers"])
    assert code == 1 and out == b""
    assert "\r\x1b[Kfrontmap: error: " in terminal  # the progress line was erased first


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_quiet(name):
    opts = {o for p in main.commands[name].params for o in getattr(p, "opts", [])}
    assert {"--quiet", "-q"} <= opts


def test_progress_counts_are_honest():
    from frontmap.cli.output import Progress

    p = Progress(True, "timeline")
    p.counts = {"files read": (20, 79), "pairs done": (18, 78)}
    assert p.line() == (
        "timeline [######..................] 20/79 files read, 18/78 pairs done"
    )
    p.counts = {"files read": (79, 79)}
    p.stage_text = "computing the change 2024-11-01 -> 2024-11-30"
    assert p.line() == "timeline computing the change 2024-11-01 -> 2024-11-30"
    p.counts = {"entries done": (3, None)}
    assert p.line() == "timeline 3 entries done; computing the change 2024-11-01 -> 2024-11-30"


def _screen(text: str) -> tuple[list[str], str]:
    """What a terminal shows for ``text`` (carriage returns, erase-to-end-of-line)."""
    lines: list[str] = []
    cur: list[str] = []
    pos = i = 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            del cur[pos:]
            i += 3
            continue
        ch = text[i]
        i += 1
        if ch == "\r":
            pos = 0
        elif ch == "\n":
            lines.append("".join(cur))
            cur, pos = [], 0
        else:
            cur[pos:pos + 1] = [ch]
            pos += 1
    return lines, "".join(cur)


def test_rows_and_progress_on_one_terminal():
    """stdout and stderr on the same terminal: the rows come out whole, the progress
    line is erased before each of them and at the end."""
    master, slave = pty.openpty()
    p = subprocess.Popen(
        [sys.executable, "-m", "frontmap", "timeline", LAYERS, "--jobs", "1"],
        stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert p.wait(timeout=120) == 0
    lines, left = _screen(seen.decode())
    assert "files read" in seen.decode()  # progress was drawn on that terminal...
    assert not [x for x in lines if "files read" in x] and left == ""  # ...and erased
    assert lines == piped(["timeline", LAYERS, "--jobs", "1"]).stdout.decode().splitlines()
