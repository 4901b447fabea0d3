"""The `shouhu` command (typer): service and data, policy, mobile contract, keys.

`main` is re-exported here so that the console script `app.cli:main` and `python -m app` find it.
"""

from app.cli.main import main

__all__ = ["main"]
