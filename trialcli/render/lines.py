"""Styled lines without Rich's console: wrapped here, printed plain or through Rich.

The first screen of `show` is built from these. Piped, it is written as plain text and never
imports `rich.console` (most of what the page cost over the floor); on a terminal the same
wrapped lines become Rich `Text`, for colour and links. One wrapping serves both, so both
print the same words on the same lines.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.text import Text

_WORD = re.compile(r"\S+\s*")


class Line:
    """Text with style names over ranges of it, and links (a terminal that shows them).

    As with Rich's `Text`, `style` is the whole line's: text appended later keeps it.
    """

    def __init__(self, text: str = "", style: str = "") -> None:
        self.plain = text
        self.style = style
        self.styles: list[tuple[int, int, str]] = []
        self.links: list[tuple[int, int, str]] = []

    def __len__(self) -> int:
        return len(self.plain)

    def append(self, text: str, style: str = "") -> Line:
        start = len(self.plain)
        self.plain += text
        if style and text:
            self.styles.append((start, len(self.plain), style))
        return self

    def append_line(self, other: Line) -> Line:
        start = len(self.plain)
        self.plain += other.plain
        if other.style and other.plain:
            self.styles.append((start, len(self.plain), other.style))
        self.styles += [(start + a, start + b, s) for a, b, s in other.styles]
        self.links += [(start + a, start + b, u) for a, b, u in other.links]
        return self

    def link(self, url: str) -> Line:
        """The whole line is a link to `url`."""
        self.links.append((0, len(self.plain), url))
        return self

    def part(self, start: int, end: int, indent: int = 0) -> Line:
        """Characters start to end, after `indent` spaces, with their styles and links."""
        piece = Line(" " * indent, self.style)

        def clip(ranges: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
            return [
                (max(a, start) - start + indent, min(b, end) - start + indent, value)
                for a, b, value in ranges
                if a < end and b > start
            ]

        piece.plain += self.plain[start:end]
        piece.styles, piece.links = clip(self.styles), clip(self.links)
        return piece


def wrap(line: Line, width: int) -> list[Line]:
    """`line` wrapped at spaces to `width` cells, with a hanging indent: continuation lines
    align under the text of an indented line, and two spaces in from a top-level one.

    A word wider than the room is folded; no line ends in spaces.
    """
    text = line.plain
    if cell_len(text) <= width:
        return [_trimmed(line)]
    lead = len(text) - len(text.lstrip(" "))
    hang = lead or 2
    if width - hang < 10:  # too narrow to indent usefully
        hang = 0
    pieces: list[tuple[int, int, int]] = []  # start, end, indent
    start, used, indent, words = 0, lead, 0, False
    for match in _WORD.finditer(text):
        word_start, word = match.start(), match.group().rstrip()
        word_end, size = word_start + len(word), cell_len(word)
        if words and used + size > width:
            pieces.append((start, word_start, indent))
            start, used, indent = word_start, hang, hang
        while used + size > width:  # a word wider than a whole line: folded
            cut, taken = word_start, used
            while cut < word_end and taken + cell_len(text[cut]) <= width:
                taken += cell_len(text[cut])
                cut += 1
            cut = max(cut, word_start + 1)
            pieces.append((start, cut, indent))
            size -= cell_len(text[word_start:cut])
            start = word_start = cut
            used, indent = hang, hang
        used += size + len(match.group()) - len(word)  # the spaces after it
        words = True
    pieces.append((start, len(text), indent))
    return [_trimmed(line.part(a, b, i)) for a, b, i in pieces]


def _trimmed(line: Line) -> Line:
    end = len(line.plain.rstrip(" "))
    if end == len(line.plain):
        return line
    return line.part(0, end)


def plain_text(lines: Iterable[Line]) -> str:
    return "".join(line.plain + "\n" for line in lines)


def rich_text(line: Line) -> Text:
    from rich.style import Style
    from rich.text import Text

    text = Text(line.plain, style=line.style)
    for start, end, style in line.styles:
        text.stylize(style, start, end)
    for start, end, url in line.links:
        text.stylize(Style(link=url), start, end)
    return text


def plain_width(environ: Mapping[str, str] | None = None) -> int | None:
    """The width Rich would draw at, when it would draw without colour or links (output
    piped, nothing forcing a terminal); else None, and Rich draws."""
    env = os.environ if environ is None else environ
    tty = env.get("TTY_COMPATIBLE", "")
    if tty == "1" or (tty != "0" and env.get("FORCE_COLOR", "") != ""):
        return None
    try:
        if tty != "0" and sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # replaced or closed stdout
        pass
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns):
        return int(columns)
    for descriptor in (0, 1, 2):  # Rich asks every standard stream for the terminal's size
        try:
            return os.get_terminal_size(descriptor).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80
