"""Keep the output shown in README.md and docs/*.md equal to what trialcli prints.

Every block of output in the documentation follows a comment that holds its command:

    <!-- output: trialcli show care-ms-ii -->            the whole output
    <!-- output: trialcli show care-ms-ii | head 20 -->  its first 20 lines, then "…"
    <!-- output: cd tests/fixtures && trialcli validate inconsistent.yaml -->

The block itself starts with the command as typed (`$ trialcli …`). Output is taken at
80 columns, piped (no colour), with a fresh cache. `python tests/sync_docs.py` rewrites
every block from real output; tests/test_docs.py fails while any block differs from it.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WIDTH = "80"
ELLIPSIS = "…"

# Typer reads these once, when its Rich helpers are first imported.
os.environ.setdefault("TERMINAL_WIDTH", WIDTH)
os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")

MARKER = re.compile(
    r"<!-- output: (?:cd (?P<folder>\S+) && )?trialcli (?P<args>.*?)"
    r"(?: \| head (?P<head>\d+))? -->\n```\n(?P<block>.*?)```",
    flags=re.S,
)


@dataclass(frozen=True)
class Block:
    """One marked block of output in a document."""

    document: Path
    args: tuple[str, ...]
    folder: str | None
    head: int | None
    text: str  # the block as written, without the fences
    start: int  # where the block's text starts in the document
    end: int

    @property
    def command(self) -> str:
        return "trialcli " + shlex.join(self.args)


def blocks(document: Path) -> list[Block]:
    text = document.read_text(encoding="utf-8")
    return [
        Block(
            document,
            tuple(shlex.split(match["args"])),
            match["folder"],
            int(match["head"]) if match["head"] else None,
            match["block"],
            match.start("block"),
            match.end("block"),
        )
        for match in MARKER.finditer(text)
    ]


def real_output(block: Block) -> list[str]:
    """What the block's command prints on stdout at 80 columns, lines right-stripped."""
    from typer.testing import CliRunner

    from trialcli.cli import app

    here = Path.cwd()
    with tempfile.TemporaryDirectory() as cache:
        env = {"COLUMNS": WIDTH, "XDG_CACHE_HOME": cache, "NO_COLOR": "1", "TRIALCLI_PATH": None}
        try:
            os.chdir(ROOT / (block.folder or "."))
            result = CliRunner().invoke(app, list(block.args), env=env)
        finally:
            os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise RuntimeError(f"{block.command} failed: {result.exception!r}")
    return [line.rstrip() for line in result.stdout.splitlines()]


def expected_text(block: Block) -> str:
    """The block as it must read: the command, then its output (or first lines, and …)."""
    lines = real_output(block)
    if block.head is not None and len(lines) > block.head:
        lines = [*lines[: block.head], ELLIPSIS]
    return "\n".join(["$ " + block.command, *lines]) + "\n"


def sync(document: Path) -> int:
    """Rewrite the document's output blocks from real output; how many changed."""
    text = document.read_text(encoding="utf-8")
    changed = 0
    # From the end, so the offsets of the blocks not yet rewritten stay right.
    for block in reversed(blocks(document)):
        wanted = expected_text(block)
        if wanted != block.text:
            text = text[: block.start] + wanted + text[block.end :]
            changed += 1
    if changed:
        document.write_text(text, encoding="utf-8")
    return changed


def main() -> int:
    for document in DOCUMENTS:
        changed = sync(document)
        if changed:
            print(f"{document.relative_to(ROOT)}: {changed} block(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
