"""Getting a record: fetched from the ClinicalTrials.gov API v2, or read from a saved file."""

from __future__ import annotations

import http.client
import json
import os
import re
import stat
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from trialcli import __version__
from trialcli.importers.ctgov.values import RecordError, value_at

URL_ENV = "TRIALCLI_CTGOV_URL"
DEFAULT_URL = "https://clinicaltrials.gov/api/v2/studies/"
TIMEOUT_SECONDS = 30.0
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
    base = os.environ.get(URL_ENV, "").strip() or DEFAULT_URL
    url = base.rstrip("/") + "/" + nct
    try:
        address = urllib.parse.urlsplit(url)
        address.port  # noqa: B018 -- reading it checks it
    except ValueError as error:
        raise RecordError(f"{URL_ENV} is not a valid address ({error}): '{base}'") from None
    if address.scheme not in {"https", "http"} or not address.hostname:
        raise RecordError(f"{URL_ENV} must be an http(s) address, got '{base}'")
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"trialcli/{__version__}"}
    )
    answer: dict[str, bytes | BaseException] = {}

    def download() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer["body"] = response.read(MAX_RECORD_BYTES + 1)
        except BaseException as error:  # handed to the waiting thread below
            answer["error"] = error

    # The worker is a daemon: past the deadline it is left behind, never waited for.
    worker = threading.Thread(target=download, daemon=True)
    worker.start()
    worker.join(timeout)
    found = answer.get("body", answer.get("error"))
    if found is None:
        raise RecordError(f"could not fetch {nct}: {_reason(TimeoutError(), timeout)}")
    if isinstance(found, urllib.error.HTTPError):
        reason = "no such study on ClinicalTrials.gov" if found.code == 404 else found.reason
        raise RecordError(f"could not fetch {nct}: HTTP {found.code} ({reason})")
    if isinstance(found, urllib.error.URLError):
        raise RecordError(f"could not fetch {nct}: {_reason(found.reason, timeout)}")
    if isinstance(found, (OSError, ValueError, http.client.HTTPException)):
        raise RecordError(f"could not fetch {nct}: {_reason(found, timeout)}")
    if isinstance(found, BaseException):
        raise found
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
        with path.open("rb") as file:
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


def _reason(error: object, timeout: float) -> str:
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return f"no answer within {timeout:g} seconds (offline?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _parse(body: bytes, what: str) -> dict[str, Any]:
    if len(body) > MAX_RECORD_BYTES:
        raise RecordError(f"{what} is too large for one registry record")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except RecursionError:
        raise RecordError(f"{what} is nested more deeply than any registry record") from None
    except UnicodeDecodeError:
        raise RecordError(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise RecordError(
            f"{what} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise RecordError(f"{what} is nested more deeply than any registry record")
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
