"""Text from a study file is data: never markup, never a terminal control sequence."""

from __future__ import annotations

import re

# C0/C1 controls (ESC starts ANSI and OSC sequences), DEL.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi overrides and isolates, zero-width characters, BOM: they can disguise text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def clean(text: str, *, one_line: bool = True) -> str:
    """`text` made safe to print: controls shown as �, invisible characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _INVISIBLE.sub("", _CONTROLS.sub("\ufffd", text))
    if one_line:
        return _SPACES.sub(" ", text).strip()
    return text.strip()


def escape_unsafe(json_text: str) -> str:
    """JSON with every control and invisible character written as a \\u escape: programs
    read the text exactly, a terminal shown it sees nothing it would act on."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


# Lone surrogates too: a file name of invalid bytes decodes to them, and written raw they
# make the output invalid UTF-8; escaped, the JSON is valid and keeps the name exact.
_UNSAFE = re.compile(f"{_CONTROLS.pattern}|{_INVISIBLE.pattern}|[\ud800-\udfff]")
