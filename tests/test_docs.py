"""The README documents every command, option and exit code (docs tested, not hoped)."""

import re

from frontmap.cli import EXIT_CODES, main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_section_and_an_example():
    for name in main.commands:
        assert re.search(rf"^### `frontmap {name}\b", README, re.M), f"no section for {name}"
        assert re.search(rf"^frontmap {name}\b", README, re.M), f"no example of {name}"


def test_every_option_is_mentioned():
    for name, cmd in main.commands.items():
        for p in cmd.params:
            for opt in getattr(p, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt} is not in the README"


def test_exit_codes_are_documented():
    table = README[README.index("## Exit codes"):]
    for code in EXIT_CODES:
        assert re.search(rf"^\| {code} \|", table, re.M), code


def test_two_setup_commands_and_ci():
    assert "make maps" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_the_library_examples_run(monkeypatch):
    """Every ```python block of the README runs, in order, from the project folder."""
    blocks = re.findall(r"^```python\n(.*?)^```", README, re.M | re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)  # noqa: S102 - our own README
    assert scope["d"].as_dict()["from"] == "2017-01-09"
    assert scope["html"].startswith("<!DOCTYPE html>") and scope["png"][:4] == b"\x89PNG"
