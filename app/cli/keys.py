"""`shouhu keys`: the keys that seal ID numbers at rest (app/idcrypto.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli.common import console, with_engine
from app.idcrypto import KEY_BYTES, UnreadableIdNumber, key_ring, new_key_entry
from app.progress import RichReporter
from app.rekey import BATCH, RotationSummary, rotate_id_numbers

keys_cli = typer.Typer(help="Keys of the ID numbers sealed at rest.", no_args_is_help=True)


@keys_cli.command("new")
def new_key(
    version: Annotated[int, typer.Argument(min=1, max=255, help="The new key's version.")],
) -> None:
    """Print a fresh random key as a key ring entry, `v<version>:<base64>`, to put first in
    SHOUHU_ID_NUMBER_KEYS (or SHOUHU_ID_NUMBER_HASH_KEYS)."""
    print(new_key_entry(version, KEY_BYTES))


@keys_cli.command("rotate-id-numbers")
def rotate_id_numbers_command(
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = BATCH,
) -> None:
    """Re-seal every ID number not under the first key of SHOUHU_ID_NUMBER_KEYS, and
    re-fingerprint every one not under the first of SHOUHU_ID_NUMBER_HASH_KEYS. Safe to stop
    and run again; run it once the service has the new keys."""

    async def run(engine: AsyncEngine) -> RotationSummary:
        with RichReporter() as reporter:
            return await rotate_id_numbers(engine, key_ring(), reporter, batch)

    try:
        summary = with_engine(run)
    except UnreadableIdNumber as exc:
        console.print(f"{exc}: put that key back in the ring", style="red", markup=False)
        raise typer.Exit(2) from exc
    console.print(summary.line(), markup=False, highlight=False)
