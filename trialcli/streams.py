"""The process's standard streams, made safe once before any command runs.

A stream closed by the shell (`2>&-`) must not make a command silently do nothing, and
an output encoding that is not UTF-8 (`PYTHONIOENCODING=latin-1`, `LC_ALL=C` without
UTF-8 mode) must not crash on the typography trialcli prints: each such character falls
back to its ASCII look-alike, any other becomes `?`.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys

# What the renderers print beyond ASCII, as plain ASCII.
ASCII_FALLBACK = {
    "·": ".",
    "–": "-",
    "—": "-",
    "−": "-",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "±": "+/-",
    "×": "x",
    "…": "...",
    "•": "*",
    "◆": "*",
    "✔": "v",
    "✘": "x",
    "⚠": "!",
    "→": "->",
    "←": "<-",
    "↑": "^",
    "↓": "v",
    "│": "|",
    "┃": "|",
    "─": "-",
    "━": "-",
    "┈": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "²": "2",
    "⁶": "6",
    "³": "3",
    "χ": "chi",
    "τ": "tau",
    "≈": "~",
    "�": "?",
}
ERRORS = "trialcli-ascii"


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII_FALLBACK.get(c, "?") for c in text), error.end


codecs.register_error(ERRORS, _fallback)


def prepare() -> None:
    """Give a closed stderr somewhere to go, and non-UTF-8 streams the ASCII fallback."""
    if sys.stderr is None:
        # Messages would be lost either way; the command's work and exit code are not.
        with contextlib.suppress(OSError):
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
        if stream is not None and not encoding.startswith("utf"):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.reconfigure(errors=ERRORS)  # type: ignore[union-attr]
