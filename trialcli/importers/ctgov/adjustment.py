"""What an analysis adjusts for, in the record's own words.

Registry analyses state their covariates only in prose: "ANCOVA adjusting for baseline
values", "covariates include baseline HbA1c and region", "with baseline WOMAC pain as a
covariate", "stratified by Sokal risk group and region". The words after (or before) the
phrase are kept as the record writes them, to the end of their clause; nothing is
paraphrased, and a phrase about multiplicity ("not adjusted for multiple comparisons") is
not a covariate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from trialcli.importers.ctgov.values import one_line

# The end of a covariate list: the end of the sentence or of the clause.
_END = (
    r"(?=\s*(?:[.;]\s|[.;]?$|\)\s*[.;]?\s*$|,? (?:and )?(?:with|using|based|including|along "
    r"with|p[- ]?values?)\b|\s(?:were|was|are|is)\b))"
)
_ADJUSTED = (
    re.compile(
        r"\b(?:adjust(?:ed|ing)|controll?(?:ed|ing)|correct(?:ed|ing)) for (?P<words>.+?)" + _END,
        re.IGNORECASE,
    ),
    re.compile(
        r"\bcovariates?\s*(?:of|for|include[sd]?|including|were|was|are|is|:)\s+(?P<words>.+?)"
        + _END,
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:with|using|including|and)\s+(?P<words>(?:(?!\b(?:with|using|including|as)\b)[^.;])+?)"
        r"\s+as\s+(?:a\s+)?(?:fixed\s+)?"
        r"covariates?\b",
        re.IGNORECASE,
    ),
)
_STRATIFIED = re.compile(r"\bstratified by (?P<words>.+?)" + _END, re.IGNORECASE)
# Adjustment for multiplicity, and for nothing: not covariates.
_NOT_COVARIATES = re.compile(
    r"^(?:multipl|the multipl|type i|alpha|ties|continuity|nothing|none|any\b|no\b)",
    re.IGNORECASE,
)
_LIMIT = 300  # a covariate list past this is prose, kept whole in the comparison's note


def adjusted_for(texts: Sequence[str | None]) -> str | None:
    """The covariates the first text that names them gives, in its words."""
    return _first(texts, _ADJUSTED)


def stratified_by(texts: Sequence[str | None]) -> str | None:
    """The strata of a stratified analysis, in the record's words."""
    return _first(texts, (_STRATIFIED,))


def _first(texts: Sequence[str | None], patterns: Sequence[re.Pattern[str]]) -> str | None:
    for text in texts:
        if not text:
            continue
        flat = " ".join(text.split())
        for pattern in patterns:
            for match in pattern.finditer(flat):
                words = match.group("words").strip(" ,:")
                # Unbalanced brackets: the clause was cut in the wrong place; leave it unsaid.
                whole = words.count("(") == words.count(")")
                if words and whole and len(words) <= _LIMIT and not _NOT_COVARIATES.match(words):
                    return one_line(words)
    return None
