"""The start-up floor: the smallest program on trialcli's stack.

One Typer command that loads one YAML file with PyYAML (C loader when present) and prints
a Rich table of its top-level fields. Every start-up target in bench/README.md is a ratio to
this program, measured in the same run.

    python bench/floor.py data/care-ms-ii.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command()
def main(path: Annotated[Path, typer.Argument(help="A YAML file.")]) -> None:
    """Print the top-level fields of one YAML file as a table."""
    import yaml
    from rich.console import Console
    from rich.table import Table

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    table = Table("field", "value")
    for key, value in data.items():
        table.add_row(str(key), str(value)[:60])
    Console().print(table)


if __name__ == "__main__":
    app()
