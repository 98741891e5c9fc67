"""Getting a record: fetched from the ClinicalTrials.gov API v2, or read from a saved file."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from trialcli.importers.client import TIMEOUT_SECONDS, RequestFailed, get
from trialcli.importers.ctgov.values import RecordError, value_at
from trialcli.settings import URL_ENV, registry_url

# The largest records (hundreds of sites and adverse events) are a few megabytes.
MAX_RECORD_BYTES = 32 * 1024 * 1024
# Real records nest about ten levels deep; study files are allowed 64.
MAX_DEPTH = 64

NCT_ID = re.compile(r"^NCT\d{8}$", re.IGNORECASE)


def fetch_record(nct: str, timeout: float | None = None) -> dict[str, Any]:
    """The record of `nct` from the ClinicalTrials.gov API v2 (or TRIALCLI_CTGOV_URL).

    `timeout` bounds the whole fetch, not each read: a server that trickles its answer
    cannot keep it alive. A record of another study than the one asked for is refused.
    """
    nct = nct.upper()
    timeout = timeout or TIMEOUT_SECONDS
    base = registry_url()
    url = base + "/" + nct
    try:
        address = urllib.parse.urlsplit(url)
        address.port  # noqa: B018 -- reading it checks it
    except ValueError as error:
        raise RecordError(f"{URL_ENV} is not a valid address ({error}): '{base}'") from None
    if address.scheme not in {"https", "http"} or not address.hostname:
        raise RecordError(f"{URL_ENV} must be an http(s) address, got '{base}'")
    try:
        found = get(url, limit=MAX_RECORD_BYTES, timeout=timeout)
    except RequestFailed as error:
        if error.status == 404:
            raise RecordError(
                f"could not fetch {nct}: HTTP 404 (no such study on ClinicalTrials.gov)"
            ) from None
        raise RecordError(f"could not fetch {nct}: {error.reason}") from None
    data = _parse(found, f"the record fetched from {url}")
    got = value_at(data, "protocolSection", "identificationModule", "nctId")
    if not isinstance(got, str) or got.upper() != nct:
        raise RecordError(
            f"the record fetched from {url} is of {got if isinstance(got, str) else 'no study'}, "
            f"not {nct}; nothing was written"
        )
    return data


def read_record(path: Path) -> dict[str, Any]:
    """A record saved from the API v2 as a JSON file (a regular file, of bounded size)."""
    try:
        # Checked before opening too: opening a pipe would wait for a writer.
        if stat.S_ISDIR(path.stat().st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(path.stat().st_mode):
            raise RecordError(f"{path}: not a regular file; give a saved API v2 JSON file")
        # Without blocking: a FIFO put there since the check would wait for a writer.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise RecordError(f"{path}: not a regular file; give a saved API v2 JSON file")
            if info.st_size > MAX_RECORD_BYTES:
                raise RecordError(
                    f"{path}: {info.st_size:,} bytes is too large for one registry record"
                )
            body = file.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        raise RecordError(
            f"{path}: no such file (give a saved API v2 JSON file or an NCT id)"
        ) from None
    except IsADirectoryError:
        raise RecordError(f"{path}: is a folder, not a record file") from None
    except OSError as error:
        raise RecordError(f"{path}: {error.strerror or error}") from None
    return _parse(body, str(path))


def load_json(body: bytes, what: str | None = None) -> Any:
    """The JSON in `body`, for every import path (a record, a search page, a bulk member):
    invalid UTF-8, deep nesting and integers too long for Python (4,300 digits) are each
    a message (naming `what`, else about "it"), never a traceback."""

    def refused(why: str) -> RecordError:
        return RecordError(f"{what} is {why}" if what else why)

    try:
        data = json.loads(body.decode("utf-8-sig"))
    except RecursionError:
        raise refused("nested more deeply than any registry record") from None
    except UnicodeDecodeError:
        raise refused("not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise refused(
            f"not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except ValueError:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        raise refused(
            f"holding a number longer than any registry value (over "
            f"{sys.get_int_max_str_digits():,} digits)"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise refused("nested more deeply than any registry record")
    return data


def _parse(body: bytes, what: str) -> dict[str, Any]:
    if len(body) > MAX_RECORD_BYTES:
        raise RecordError(f"{what} is too large for one registry record")
    data = load_json(body, what)
    if not isinstance(data, dict) or not isinstance(data.get("protocolSection"), dict):
        raise RecordError(
            f"{what} is not a ClinicalTrials.gov API v2 study record (no protocolSection)"
        )
    return data


def _depth(data: Any) -> int:
    """How deeply lists and objects nest, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest
