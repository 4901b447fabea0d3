"""The floors point one way: import-linter's contracts in pyproject.toml hold.

Floors, top to bottom: the shells (app.web, app.cli), the seeds, schema, the services and the
store, authz, the ground floor (models, pure rules, plumbing). A module may import its own
floor and the floors below it, never one above.
"""

from __future__ import annotations

import pkgutil
import textwrap
from pathlib import Path

import pytest
from importlinter import api
from importlinter.application import use_cases

import app

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def check_contracts(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[bool, str]:
    """Whether every contract in `config` is kept, and import-linter's report (which lists
    each broken arrow with its file and line)."""
    capsys.readouterr()
    kept = use_cases.lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)
    return kept, capsys.readouterr().out


def test_every_floor_imports_only_the_floors_below_it(capsys: pytest.CaptureFixture[str]) -> None:
    kept, report = check_contracts(PYPROJECT, capsys)
    assert kept, report


def test_every_module_of_app_is_on_a_floor() -> None:
    (floors,) = (
        contract["layers"]
        for contract in api.read_configuration(str(PYPROJECT))["contracts_options"]
        if contract["id"] == "floors"
    )
    placed = {name.strip() for floor in floors for name in floor.replace("|", ":").split(":")}
    modules = {f"app.{module.name}" for module in pkgutil.iter_modules(app.__path__)}
    assert modules - placed == set()


@pytest.mark.parametrize("upward", [False, True])
def test_an_upward_import_breaks_the_floors(
    upward: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same checker on a two-floor package: kept until its models import its web."""
    package = tmp_path / f"house_{upward}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "web.py").write_text(f"import house_{upward}.models\n")
    (package / "models.py").write_text(f"import house_{upward}.web\n" if upward else "")
    config = tmp_path / "pyproject.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [tool.importlinter]
            root_packages = ["house_{upward}"]

            [[tool.importlinter.contracts]]
            id = "floors"
            name = "floors"
            type = "layers"
            layers = ["house_{upward}.web", "house_{upward}.models"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    kept, report = check_contracts(config, capsys)
    assert kept is not upward, report
    assert (f"house_{upward}.models -> house_{upward}.web" in report) is upward
