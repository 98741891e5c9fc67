"""`show --format markdown`: the screen's sections as a document a medical writer can paste.

The Markdown is built from the very tables and texts `show` prints, so both say the same
thing; only the layout changes. File text is escaped so it can never become a link, an
image or HTML in the document.
"""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from trialcli.ops.page import Page
from trialcli.render.study import WIDE, study_sections

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_URL = re.compile(r"^https?://[^\s<>]+$")
_BULLETS = ("• ", "◆ ")

# A line break inside a paragraph: a backslash (CommonMark), not two trailing spaces,
# which are invisible and which editors and `git diff` strip.
BREAK = "\\\n"


def study_markdown(page: Page) -> str:
    # The wide layout: the verdict gets its own column, as on a wide terminal.
    header, sections = study_sections(page, WIDE)
    lines = _header(header)
    for title, body in sections:
        lines += ["", f"## {title}", "", *_block(body)]
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """Markdown-inert text: a URL on its own line becomes an autolink, the rest is escaped."""
    if _URL.match(text):
        return f"<{text}>"
    escaped = _SPECIAL.sub(r"\\\1", text)
    return "\\" + escaped if escaped.startswith(("#", "-", "+", ">", "=")) else escaped


def _plain(cell: RenderableType) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return str(cell) if isinstance(cell, str) else ""


def _lines(cell: RenderableType) -> list[str]:
    return [escape(line.strip()) for line in _plain(cell).splitlines() if line.strip()]


def _header(header: RenderableType) -> list[str]:
    parts = header.renderables if isinstance(header, Group) else [header]
    title, *rest = (" ".join(_plain(part).split()) for part in parts)
    lines = [f"# {escape(title)}"]
    if rest:
        lines += ["", f"*{escape(rest[0])}*"]
    if rest[1:]:
        lines += ["", BREAK.join(escape(line) for line in rest[1:])]
    return lines


def _block(body: RenderableType) -> list[str]:
    if isinstance(body, Group):
        parts = body.renderables
        if parts and all(_plain(p).startswith(_BULLETS) for p in parts):
            # Notes (•) and milestones (◆): one list, the milestone mark kept.
            return ["- " + escape(" ".join(_plain(p).removeprefix("• ").split())) for p in parts]
        lines: list[str] = []
        for part in parts:
            if lines:
                lines.append("")
            lines += _block(part)
        return lines
    if isinstance(body, Table):
        return _table(body) if body.show_header else _definitions(body)
    return [BREAK.join(_lines(body))]


def _table(table: Table) -> list[str]:
    headers = [" ".join(_plain(c.header).split()) for c in table.columns]
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    columns = [list(c.cells) for c in table.columns]
    for row in zip(*columns, strict=True):
        lines.append("| " + " | ".join("<br>".join(_lines(cell)) for cell in row) + " |")
    return lines


def _definitions(table: Table) -> list[str]:
    """A two-column table without headers (label, then text) as a list."""
    keys, values = (list(c.cells) for c in table.columns[:2])
    lines = []
    for key, value in zip(keys, values, strict=True):
        label = escape(_plain(key).strip())
        label = f"**{label}**" + (":" if label[-1:].isalpha() else "")
        lines.append(f"- {label} " + (BREAK + "  ").join(_lines(value)))
    return lines
