"""Choices the command line hands to operations.

Kept apart and light: Typer needs these enums when `cli.py` is imported, and importing
an operation (and its statistics) there would slow every command, even `--version`.
"""

from __future__ import annotations

from enum import Enum


class SafetySort(str, Enum):
    """How `trialcli ae` orders its findings."""

    soc = "soc"
    incidence = "incidence"
    difference = "difference"
    term = "term"
