"""The consistency audit: do a study's figures agree with each other and across sources?

Each check sets figures the file states against each other, or against what trialcli
computes from them, allowing for the rounding the source printed. A check that fails
is a warning, never an error: the figures are possible, only inconsistent. Every check
names each figure it involves by its field path and source, so the loader can point at
the line where each is written.

Before a check warns it reads the record's own explanations (explained.py): when they
account for the figures it passes, quoting them. The checks live by what they set against
what: arithmetic.py (a figure against its parts), significance.py (CI, p and verdict),
counts.py (people), sources.py (one figure from two sources), on core.py's building blocks.

A figure whose record carries `disagreement:` is a disagreement the data records on
purpose: the check still fails and is still listed, but counts as acknowledged.
"""

from __future__ import annotations

from trialcli.model import Study
from trialcli.ops.audit.arithmetic import percentages, ratios_vs_arms, reductions_vs_ratios
from trialcli.ops.audit.core import Audit, Check, CheckKind, Part, Stated
from trialcli.ops.audit.counts import arm_sizes, denominators, flow_sums
from trialcli.ops.audit.significance import p_values_vs_intervals, verdicts
from trialcli.ops.audit.sources import sources_disagree

__all__ = ["Audit", "Check", "CheckKind", "Part", "Stated", "audit_study"]


def audit_study(study: Study) -> Audit:
    return Audit(
        (
            *percentages(study),
            *reductions_vs_ratios(study),
            *ratios_vs_arms(study),
            *p_values_vs_intervals(study),
            *verdicts(study),
            *arm_sizes(study),
            *denominators(study),
            *sources_disagree(study),
            *flow_sums(study),
        )
    )
