"""`trialcli new`: a commented study file that teaches the format by its comments.

Every value to be supplied is a `<placeholder>`. The loader refuses a file that still
holds one (`loader.PLACEHOLDER`), so a half-filled skeleton can never pass `validate`.
"""

from __future__ import annotations

import re

from trialcli.errors import TrialcliError
from trialcli.model import SLUG_PATTERN

_TEMPLATE = """\
# A new trialcli study. Replace each value in angle brackets with what the source says, and
# DELETE every line you cannot fill: absent means "not reported"; never write 0 or a guess.
# Then check it:   trialcli validate {file}
#
# Editor completion and checking: run `trialcli schema > study.schema.json` once, then
# make the first line of this file:   # yaml-language-server: $schema=./study.schema.json
#
# Every figure belongs to a source: a record's `source:` names an id from `sources:` at
# the end; a record without one inherits its parent's, then `default_source`.

id: {study_id}              # the id on the command line; keep the file named {file}
acronym: <ACRONYM>                  # short name, e.g. CARE-MS II
title: <full title, as registered>
registry:
  nct: <NCT00000000>                # ClinicalTrials.gov id (NCT + 8 digits)
sponsor: <sponsor>
phase: <3>                          # 1, 1/2, 2, 2/3, 3, 4 or n/a
status: <completed>                 # recruiting, active, completed, terminated, ...
start_date: <YYYY-MM>               # dates are text: "YYYY", "YYYY-MM" or "YYYY-MM-DD"
default_source: s1                  # the source of every figure that names none

population:
  condition: <condition, e.g. relapsing-remitting multiple sclerosis>
  description: <who was enrolled, e.g. relapsed on prior therapy>
  randomized: <number randomized>   # a whole number of people

design:
  allocation: <randomized>          # randomized, non-randomized or single-arm
  masking: <double-blind>           # as the source words it, e.g. rater-blinded
  comparator: <placebo>             # active, placebo, dose-comparison, standard-of-care, none

arms:                               # results below are keyed by these ids
  - id: <treated>                   # letters, digits, '-', '_' or '.'
    label: <Drug A 10 mg>
    role: experimental              # experimental, active-comparator, placebo or other
    interventions:
      - drug: <drug a>
        dose: <10 mg>
        route: <oral>
  - id: <control>
    label: <Placebo>
    role: <placebo>
    interventions:
      - drug: <placebo>

endpoints:
  - id: <primary>
    name: <Annualized relapse rate>
    level: primary                  # primary, secondary, tertiary or exploratory
    kind: <rate>                    # rate, proportion, time-to-event, continuous or count
    time_frame: <2 years>
    results:                        # one entry per arm id; keep only what was reported
      <treated>: {{value: <treated value>, ci: [<lower>, <upper>]}}
      <control>: {{n: <people with the event>, N: <people counted>}}
    comparisons:
      - measure: <rate-ratio>       # a ratio (rate-, hazard-, risk-, odds-), relative-reduction
                                    # or difference
        estimate: <estimate>
        ci: [<estimate lower>, <estimate upper>]   # 95% unless you add ci_level
        p_value: <p-value>            # text as printed, in quotes: "<0.001", "0.22"
        arms: [<treated>, <control>]          # [experimental, comparator]
        met: <true or false, as the source states it>

safety:
  - term: <Headache>
    soc: <Nervous system disorders>  # organ-system class
    serious: <false>                 # true when only serious events count
    arms:                            # people affected / people at risk, per arm id
      <treated>: {{affected: <affected>, at_risk: <at risk>}}
      <control>: {{affected: <control affected>, at_risk: <control at risk>}}

sources:
  - id: s1
    citation: <Author Year, Journal, table or page>
    date: <YYYY-MM-DD>
    url: <https://...>
    kind: <journal-article>          # journal-article, registry, press-release, review, ...
"""


def skeleton(study_id: str) -> str:
    """The commented skeleton of a study with this id."""
    if not re.fullmatch(SLUG_PATTERN, study_id) or len(study_id) > 80:
        raise TrialcliError(
            f"'{study_id}' is not a usable study id: use lowercase letters, digits and "
            "single hyphens, e.g. my-trial-2"
        )
    return _TEMPLATE.format(study_id=study_id, file=f"{study_id}.yaml")
