"""The parsing baseline: load every YAML file in DIR with PyYAML's C loader, one by one.

    python bench/load_only.py /tmp/corpus

No validation, no positions, no output: what a cold `trialcli validate` must beat.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def main() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


if __name__ == "__main__":
    main()
