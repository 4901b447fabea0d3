"""`python -m app` is the `shouhu` command."""

from app.cli import main

main()
