"""What a command writes: the one home of `--format` (and `export --to`).

Every command takes one of these enums and dispatches on it exhaustively (a `match` ending
in `assert_never`), so mypy fails on a member a command forgets; tests/test_command_formats.py
runs every command in every member its enum has. Light on purpose: Typer needs these when
`trialcli.cli` is imported.
"""

from __future__ import annotations

from enum import Enum


class OutputFormat(str, Enum):
    """A table for people; JSON, CSV or Markdown for programs: every command returning data."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class PageFormat(str, Enum):
    """The same, and one self-contained HTML page to hand on or print (`show`, `ae`, `sof`)."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


class ExportFormat(str, Enum):
    """What `export --to` writes the catalog as."""

    sqlite = "sqlite"
    parquet = "parquet"
