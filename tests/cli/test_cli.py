"""The `shouhu` command line, run as a user runs it: a process with DATABASE_URL set."""

from __future__ import annotations

import pytest

from app import migrate
from tests.command import shouhu


def test_migrate_import_and_seed(empty_db: str) -> None:
    migrated = shouhu(empty_db, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"database at {migrate.head_revision()}" in migrated.stderr

    check = shouhu(empty_db, "migrate", "--check")
    assert check.returncode == 0, check.stderr
    assert "models and database agree" in check.stderr

    areas = shouhu(empty_db, "import-areas", "--province", "42", "--province", "11")
    assert areas.returncode == 0, areas.stderr
    assert "areas loaded for 2 province(s)" in areas.stderr

    demo = shouhu(empty_db, "seed", "demo")
    assert demo.returncode == 0, demo.stderr
    assert "4207: 358 villages" in demo.stderr
    assert "demo data already present" in shouhu(empty_db, "seed", "demo").stderr

    synthetic = shouhu(
        empty_db, "seed", "synthetic", "--children", "200", "--seed", "3", "--county", "110101"
    )
    assert synthetic.returncode == 0, synthetic.stderr
    assert "200 children" in synthetic.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import-areas",), "give --province CODE"),
        (("import-areas", "--province", "99"), "unknown province code(s): 99"),
        (("seed", "synthetic", "--children", "5", "--county", "4207"), "6-digit county code"),
        (("seed", "synthetic", "--children", "0"), "children"),
    ],
)
def test_bad_arguments_are_explained(empty_db: str, args: tuple[str, ...], message: str) -> None:
    result = shouhu(empty_db, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
