"""What a wrong value in a study file is told, in the words of a person filling it in.

Pydantic's own messages ("Input should be a valid number, unable to parse string as a
number") describe the library; these describe the file: what to write instead, with an
example, and what was found. The field and its line are given by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialcli.model import (
    P_VALUE_PATTERN,
    PARTIAL_DATE_PATTERN,
    REF_PATTERN,
    SLUG_PATTERN,
    URL_PATTERN,
)

# The patterns of the format, described as what to write.
PATTERN_WORDS = {
    SLUG_PATTERN: "write a slug: lowercase letters, digits and single hyphens, e.g. care-ms-ii",
    REF_PATTERN: "write an id: letters, digits, '.', '_' or '-', e.g. r10",
    PARTIAL_DATE_PATTERN: 'write a date as "YYYY", "YYYY-MM" or "YYYY-MM-DD"',
    URL_PATTERN: "write a web address starting with https:// or http://, without spaces",
    P_VALUE_PATTERN: 'write a p-value as printed, e.g. "<0.0001", "0.22" or "NS"',
}

# Error types whose message is the same whatever the context.
_FIXED = {
    "float_parsing": "write a number, e.g. 45 — without %",
    "float_type": "write a number, e.g. 45",
    "finite_number": "write a finite number, e.g. 45",
    "int_parsing": "write a whole number, e.g. 120",
    "int_type": "write a whole number, e.g. 120",
    "int_from_float": "write a whole number (a count of people or events), e.g. 120",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text",
    "string_too_short": "write something here, or delete the line if the source does not say",
    "list_type": "write a list, one item per line starting with '- '",
    "tuple_type": "write a list in brackets, e.g. [0.36, 0.69]",
    "dict_type": "write a mapping of fields (name: value), one per line",
    "model_type": "write a mapping of fields (name: value), one per line",
}


def error_message(detail: Mapping[str, Any]) -> str:
    """The message for one pydantic error about a value (a field, or an option's value)."""
    kind, message = detail["type"], str(detail.get("msg", ""))
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind == "assertion_error":
        return message.removeprefix("Assertion failed, ")
    return value_message(kind, detail.get("ctx"), detail.get("input"))


def value_message(kind: str, context: Mapping[str, Any] | None, found: Any) -> str:
    """The message for one wrong value: what to write, then what was written."""
    ctx = context or {}
    message = _FIXED.get(kind) or _with_context(kind, ctx)
    if message is None:
        return "is not a value this field takes" + _got(found)
    if kind == "string_too_long" and isinstance(found, str):
        return f"{message}; it has {len(found):,}"
    if kind == "float_parsing" and not (isinstance(found, str) and "%" in found):
        message = message.removesuffix(" — without %")
    return message + _got(found)


def _with_context(kind: str, ctx: Mapping[str, Any]) -> str | None:
    if kind == "string_too_long":
        return f"shorten this to at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return PATTERN_WORDS.get(pattern, "is not written in the form this field takes")
    if kind in {"literal_error", "enum"}:
        return f"write one of {ctx.get('expected')}"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"write a number {words} {_plain(ctx.get(key))}"
    if kind == "too_short":
        least = ctx.get("min_length")
        return f"list at least {least} item{'s' if least != 1 else ''}"
    if kind == "too_long":
        most = ctx.get("max_length")
        return f"list at most {most} item{'s' if most != 1 else ''}"
    return None


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _got(found: Any) -> str:
    if isinstance(found, dict):
        return ", got a mapping"
    if isinstance(found, (list, tuple)):
        return f", got a list of {len(found)}"
    if isinstance(found, bool):
        return f", got {str(found).lower()}"
    if isinstance(found, str):
        text = found if len(found) <= 60 else found[:57] + "..."
        return f', got "{text}"' if found else ", got an empty text"
    return f", got {found}"
