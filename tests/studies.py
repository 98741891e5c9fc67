"""Study snippets that several test modules build on (synthetic numbers, no real trial)."""

from __future__ import annotations

# Patients with a relapse: 147/426 (35%) vs 104/202, the control's stated percentage
# left to fill in (104/202 is 51.5%; a source printed 53%).
PROPORTION_ENDPOINT = """\
endpoints:
  - id: relapsed
    name: Patients with a relapse
    level: secondary
    kind: proportion
    results:
      drug:
        n: 147
        N: 426
        value: 35
        unit: "%"
      control:
        n: 104
        N: 202
        value: {control}
        unit: "%"
safety:"""


def with_endpoints(minimal: str, block: str) -> str:
    head, rest = minimal.split("endpoints:\n", 1)
    return head + block + rest.split("safety:", 1)[1]
