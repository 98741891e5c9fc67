"""When two harms are the same: the one normalisation of MedDRA-style terms and spellings.

`ae` (one row per harm across studies), `diff` (rows matched by meaning), `diff`'s first
screen and the audit (two sources stating one harm) all ask this module; none spells its own.
Terms match when they differ only in case, accents, punctuation, British or American
spelling, plurals or a trailing "(s)"; findings match when their terms or their codes do.
Seriousness is part of what a harm is: a serious infection is not "infections".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")

# British and American spellings of the same medical words.
_SPELLINGS = (
    (re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"),  # haemorrhage, leukaemia, anaemia
    (re.compile(r"\boe(?=[a-z])"), "e"),  # oedema, oesophagitis
    (re.compile(r"(?<=[a-z])our\b"), "or"),  # tumour
    (re.compile(r"(?<=[a-z])is(?=(?:e|ed|es|ing|ation|ations)\b)"), "iz"),  # -ise, -isation
)


def term_key(term: str) -> str:
    """A term reduced for matching: case, accents, punctuation, spelling and plurals ignored.

    `Thyroid disorders`, `thyroid-disorder(s)` and `THYROID DISORDERS` share a key;
    `Haemorrhage` and `hemorrhages` too.
    """
    text = unicodedata.normalize("NFKD", term.casefold()).encode("ascii", "ignore").decode()
    text = text.replace("(s)", "")
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def code_key(code: str | None) -> str | None:
    """A MedDRA-style code as matched: surrounding spaces and case ignored."""
    return code.strip().casefold() or None if code else None


def same_harms(
    items: Sequence[T], keys: Callable[[T], tuple[str, str | None, Hashable]]
) -> list[list[T]]:
    """Items grouped by harm: they share a term key or a code, transitively.

    `keys` gives an item's term, code and whatever else must be equal (seriousness, at
    least); groups keep the items' order, and are ordered by their first item.
    """
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[tuple[str, str, Hashable], int] = {}
    for i, item in enumerate(items):
        term, code, rest = keys(item)
        found = [("term", term_key(term), rest)]
        code = code_key(code)
        if code is not None:
            found.append(("code", code, rest))
        for key in found:
            if key in first_seen:
                parent[root(i)] = root(first_seen[key])
            else:
                first_seen[key] = i
    groups: dict[int, list[T]] = {}
    for i, item in enumerate(items):
        groups.setdefault(root(i), []).append(item)
    return list(groups.values())
