"""Arrows point one way: app → handlers → bot → storage, and domain rules stay pure.

Read from the source with ``ast`` (every import, at the top of a module or inside a function,
relative ones resolved), so an import that only runs on some path is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_in(source: str, package: tuple[str, ...]) -> set[str]:
    """Every module (and imported name) a module of ``package`` imports, as absolute dotted names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path) -> set[str]:
    return imports_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).parts[:-1])


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def importing(files: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in files:
        bad = sorted(name for name in imported_modules(path)
                     if any(name == top or name.startswith(f"{top}.") for top in forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_sources_are_there() -> None:
    """The checks below would pass vacuously on an empty tree."""
    assert (ROOT / "app" / "factory.py").is_file()
    assert len(sources("bot", "handlers", "storage")) > 40
    assert len(sources("bot/domain")) > 5


@pytest.mark.parametrize("package", ["bot", "handlers", "storage"])
def test_nothing_imports_the_composition_root(package: str) -> None:
    assert importing(sources(package), ("app",)) == {}


def test_domain_rules_import_neither_slack_nor_the_database() -> None:
    assert importing(sources("bot/domain"), ("slack_sdk", "slack_bolt", "sqlalchemy", "storage", "app",
                                            "handlers")) == {}


def test_the_walker_sees_every_kind_of_import() -> None:
    """``from ..x import y`` inside bot/domain is ``bot.x.y``; imports inside functions count too."""
    source = "from ..runtime import Runtime\nfrom . import dates\ndef f():\n    import app.cli\n"
    assert imports_in(source, ("bot", "domain")) == {
        "bot.runtime", "bot.runtime.Runtime", "bot.domain", "bot.domain.dates", "app.cli"}
