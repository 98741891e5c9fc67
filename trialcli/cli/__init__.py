"""The command line: parse options, call one operation, hand its result to one renderer.

Heavy modules (Rich, PyYAML, pydantic models) are imported inside the commands so that
`trialcli --version` and `--help` stay quick. Importing the command modules registers
their commands on `app`, in the order `--help` lists them — hence not sorted.
"""

# ruff: noqa: I001
from trialcli.cli.base import app
from trialcli.cli import studies, safety, comparing, authoring, exporting, reviews, network

__all__ = [
    "app",
    "authoring",
    "comparing",
    "exporting",
    "network",
    "reviews",
    "safety",
    "studies",
]
