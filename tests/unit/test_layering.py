"""The layers of DESIGN.md: only app/views may import Qt; app/models imports nothing else of app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
QT_FREE = ["models", "services", "sync", "integrations"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(layer: str) -> list[Path]:
    return sorted((APP / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", QT_FREE)
def test_layer_does_not_import_qt(layer: str) -> None:
    offenders = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in python_files(layer)
        for name in imported_modules(path)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
    ]
    assert offenders == []


def test_models_import_nothing_else_from_app() -> None:
    offenders = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in python_files("models")
        for name in imported_modules(path)
        if name.startswith("app.") and not name.startswith("app.models")
    ]
    assert offenders == []


def test_the_check_itself_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport app.services.money\n")
    assert imported_modules(sample) == {"PySide6.QtCore", "app.services.money"}


def test_services_do_not_import_views_or_http() -> None:
    offenders = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in python_files("services")
        for name in imported_modules(path)
        if name.startswith(("app.views", "requests", "app.integrations"))
    ]
    assert offenders == []
