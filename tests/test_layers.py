"""The layers a change must keep (docs/architecture.md), checked on the source by parsing imports.

    floor   dementi.{records,settings,logs,...}   imports nothing of the project above it
    rules   dementi.rules                          the floor only; no Kafka, Telegram or network
    kafka   dementi.kafka                          the floor only (one adapter for every client)
    sides   dementi.streams | dementi.bot          floor, rules, kafka; never each other
    roof    dementi.cli                            anything

Imports are read with ``ast`` (no module is executed), including imports inside functions, so a
lazy import cannot hide a layer violation.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"dementi": ROOT / "dementi", "dementi.rules": ROOT / "rules",
           "dementi.streams": ROOT / "streams", "dementi.bot": ROOT / "bot"}
NETWORK = {"aiokafka", "kafka", "faust", "mode", "telegram", "httpx", "requests", "urllib3", "socket",
           "feedparser", "trafilatura", "prometheus_client", "http", "asyncio"}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for base, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([base, *parts])
            if base == "dementi" and parts and parts[0] in {"rules", "streams", "bot"}:
                continue
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{alias.name}" for alias in node.names)
    return out


def _layer(module: str) -> str:
    for prefix in ("dementi.rules", "dementi.streams", "dementi.bot", "dementi.cli", "dementi.kafka"):
        if module == prefix or module.startswith(prefix + "."):
            return prefix.split(".")[1]
    return "floor"


# What each layer may import from the project.
ALLOWED = {
    "floor": {"floor"},
    "rules": {"floor", "rules"},
    "kafka": {"floor", "kafka"},
    "streams": {"floor", "rules", "kafka", "streams"},
    "bot": {"floor", "rules", "kafka", "bot"},
    "cli": {"floor", "rules", "kafka", "streams", "bot", "cli"},
}


def _project_imports(name: str, path: Path) -> set[str]:
    return {m for m in _imports(name, path) if m in MODULES or m.rpartition(".")[0] in MODULES
            and m.startswith("dementi")}


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert packages == listed
    for name, path in MODULES.items():  # a folder of modules without __init__.py would not install
        assert (path.parent / "__init__.py").exists(), f"{path.parent} has no __init__.py"


def test_no_top_level_import_of_the_project_folders():
    """`import rules` would load a second copy of dementi.rules (the repo root is on sys.path in
    the tests) or another distribution's package of that name."""
    bad = [f"{path.relative_to(ROOT)}: {mod}" for name, path in MODULES.items()
           for mod in _imports(name, path) if mod.split(".")[0] in {"rules", "streams", "bot"}]
    assert bad == []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_is_below_it(layer):
    bad = [f"{path.relative_to(ROOT)} ({layer}) imports {mod} ({_layer(mod)})"
           for name, path in MODULES.items() if _layer(name) == layer
           for mod in _project_imports(name, path) if _layer(mod) not in ALLOWED[layer]]
    assert bad == []


def test_rules_is_a_pure_library():
    bad = [f"{path.relative_to(ROOT)}: {mod}" for name, path in MODULES.items() if _layer(name) == "rules"
           for mod in _imports(name, path) if mod.split(".")[0] in NETWORK]
    assert bad == []
