"""Choices the command line hands to operations.

Kept apart and light: Typer needs these enums when `trialcli.cli` is imported, and importing
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


class PoolMethod(str, Enum):
    """How `trialcli compare --pool` pools (trialcli.stats.meta)."""

    reml = "reml"
    dersimonian_laird = "dersimonian-laird"
    paule_mandel = "paule-mandel"
    fixed = "fixed"
    mantel_haenszel = "mantel-haenszel"
    mantel_haenszel_random = "mantel-haenszel-random"
    # metafor's names for the same methods
    dl = "dl"
    pm = "pm"
    fe = "fe"
    mh = "mh"


class StudySection(str, Enum):
    """The parts of `trialcli show --full` that `--section` prints on their own."""

    design = "design"
    arms = "arms"
    endpoints = "endpoints"
    safety = "safety"
    harms = "harms"  # the same part: the first screen heads it "Harms"
    checks = "checks"
    notes = "notes"
    summary = "summary"
    sources = "sources"


class NetworkMeasure(str, Enum):
    """The scale of `network`."""

    odds_ratio = "odds-ratio"
    risk_ratio = "risk-ratio"


# Odds ratios by default: symmetric (the event and its absence give reciprocal answers) and
# free of the ceiling a risk ratio meets when events are common — netmeta's and metafor's
# worked networks use them. Risk ratios, which clinicians read more easily, on request.
DEFAULT_MEASURE = NetworkMeasure.odds_ratio
