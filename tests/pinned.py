"""Figures pinned from reference implementations the suite does not import at run time.

tests/reference/ holds each file with the script that regenerates it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).parent / "reference"


@functools.cache
def statsmodels() -> dict[str, Any]:
    """statsmodels' (and scipy's) figures: tests/reference/statsmodels_values.py."""
    loaded: dict[str, Any] = json.loads((REFERENCE / "statsmodels.json").read_text("utf-8"))
    return loaded
