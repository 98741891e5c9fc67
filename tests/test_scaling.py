"""Lookups by id that once scanned a list per figure or warning — quadratic in sources ×
warnings (a 4.6 MB file ran `validate` for 400 s) — are indexed once per study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trialcli.loader import load_study

FIXTURES = Path(__file__).parent / "fixtures"


class CountingList(list[Any]):
    scans = 0

    def __iter__(self) -> Any:
        CountingList.scans += 1
        return super().__iter__()


def many_sources(tmp_path: Path, n: int) -> Path:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    extra = "".join(f"  - id: extra{i}\n    citation: Source {i}\n" for i in range(n))
    path = tmp_path / "many.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize("field", ["sources", "arms", "pooled_arms"])
def test_lookups_scan_each_list_a_fixed_number_of_times(tmp_path: Path, field: str) -> None:
    study = load_study(many_sources(tmp_path, 500))
    object.__setattr__(study, field, CountingList(getattr(study, field)))
    CountingList.scans = 0
    numbers = [study.source_number(f"extra{i}") for i in range(500)]
    cited = [study.source(f"extra{i}") for i in range(500)]
    labels = [study.group_label(g) for g in ("drug", "control", "missing") * 200]
    arms = [study.arm("drug") for _ in range(500)]
    assert CountingList.scans <= 2  # one index per kind of lookup, built once
    assert numbers == list(range(2, 502))  # s1 is [1]
    assert all(c is not None and c.citation == f"Source {i}" for i, c in enumerate(cited))
    assert labels[:3] == ["Drug A", "Control", "missing"]
    assert arms[0] is not None and arms[0].label == "Drug A"
