"""Every setting trialcli reads from the environment, and its default, in one place.

A module that needs a setting asks here; no other module reads `os.environ` for a
TRIALCLI_* name. (Terminal settings such as NO_COLOR and COLUMNS belong to the terminal
and are read by trialcli.render.)
"""

from __future__ import annotations

import os
from pathlib import Path

# Folders of study files read after the bundled ones, separated as PATH is.
PATH_ENV = "TRIALCLI_PATH"
# The largest study file read. Study files are around 10 KB; anything this large is a
# mistake or an attack.
MAX_BYTES_ENV = "TRIALCLI_MAX_FILE_BYTES"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# The ClinicalTrials.gov API v2 studies endpoint (a test server, a mirror).
URL_ENV = "TRIALCLI_CTGOV_URL"
DEFAULT_URL = "https://clinicaltrials.gov/api/v2/studies"
# The store `list` and `show` read when --store is not given (trialcli.store).
STORE_ENV = "TRIALCLI_STORE"
# Where the cache lives: $XDG_CACHE_HOME/trialcli, or ~/.cache/trialcli.
CACHE_ENV = "XDG_CACHE_HOME"
# The largest cache file read or written: an index for 10,000 studies with their
# consistency warnings is about 30 MB.
MAX_CACHE_BYTES = 256 * 1024 * 1024
# Settings that change what a file checks to; the cache keeps results apart by them.
PREFIX = "TRIALCLI_"


def data_path() -> list[Path]:
    """The folders named on TRIALCLI_PATH, in order."""
    return [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p.strip()]


def max_file_bytes() -> int:
    raw = os.environ.get(MAX_BYTES_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def registry_url() -> str:
    """The studies endpoint, without a trailing slash; not yet checked to be an address."""
    return os.environ.get(URL_ENV, "").strip().rstrip("/") or DEFAULT_URL


def store_path() -> Path | None:
    """The store TRIALCLI_STORE names, if any."""
    raw = os.environ.get(STORE_ENV, "").strip()
    return Path(raw) if raw else None


def cache_root() -> Path:
    """`$XDG_CACHE_HOME/trialcli`, or `~/.cache/trialcli` (relative XDG paths are ignored)."""
    base = os.environ.get(CACHE_ENV, "")
    folder = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return folder / "trialcli"


def result_settings() -> list[str]:
    """`NAME=value` for each TRIALCLI_* setting that can change a checked file's result:
    all of them except the list of folders."""
    return sorted(
        f"{name}={value}"
        for name, value in os.environ.items()
        if name.startswith(PREFIX) and name != PATH_ENV
    )
