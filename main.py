"""Thin shim: `python main.py` is the same as the `ledgerbridge` command."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
