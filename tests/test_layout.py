"""The layout the README promises: four kinds of module, one direction of imports,
small modules, and a command line that starts without the geometry stack."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "frontmap"
#: each kind may import only these kinds of frontmap module (besides itself)
ALLOWED = {
    "read": {"errors", "_lazy"},
    "analysis": {"errors", "_lazy", "read"},
    "render": {"errors", "_lazy", "read", "analysis", "__init__"},
    "build": {"errors", "_lazy", "read", "analysis", "render", "__init__"},
    "cli": {"errors", "_lazy", "read", "analysis", "render", "build", "__init__"},
    "bench": {"errors", "_lazy", "read", "analysis", "render", "build", "cli", "bench"},
}
HEAVY = ("numpy", "shapely", "pyproj", "geopandas", "matplotlib", "fiona")


def _frontmap_imports(path):
    """The top-level frontmap modules (kinds) a file imports, relative or absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(PACKAGE).parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[:-1])[: len(rel) - node.level]
                target = base + (node.module.split(".") if node.module else [])
                found.add(target[0] if target else "__init__")  # "from .. import x": the top
            elif node.module and node.module.split(".")[0] == "frontmap":
                parts = node.module.split(".")
                found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "frontmap":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_imports_go_one_way(kind):
    for path in sorted((PACKAGE / kind).rglob("*.py")):
        imported = _frontmap_imports(path) - {kind}
        bad = imported - ALLOWED[kind]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_nothing_imports_the_cli():
    for path in sorted(PACKAGE.rglob("*.py")):
        top = path.relative_to(PACKAGE).parts[0]
        if top in ("cli", "bench", "__main__.py"):
            continue
        assert "cli" not in _frontmap_imports(path), path


def test_the_checker_sees_relative_imports():
    """The checks above can fail: relative imports (page.py: ..analysis, ..errors) are seen."""
    probe = PACKAGE / "render" / "page.py"
    assert {"analysis", "errors"} <= _frontmap_imports(probe)


def test_no_module_over_800_lines():
    for path in sorted(PACKAGE.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= 800, f"{path.relative_to(ROOT)} has {n} lines"


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["diff", "--help"], ["compare", "--help"], ["build", "--help"]],
)
def test_help_does_not_load_the_geometry_stack(argv):
    code = (
        "import sys\n"
        "from frontmap.cli import main\n"
        "try:\n"
        f"    main({argv!r}, prog_name='frontmap')\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip().splitlines()[-1] == "[]", out


def test_import_frontmap_is_light_and_attributes_load_on_use():
    code = (
        "import sys, frontmap\n"
        f"light = not any(m in sys.modules for m in {HEAVY!r})\n"
        "layers = frontmap.read_layers('layers')\n"
        "print(light, 'shapely' in sys.modules, len(layers.dates))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["True", "True", "4"]
