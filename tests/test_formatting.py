"""How safety figures and computed differences read: the texts every view shares."""

from __future__ import annotations

import pytest

from trialcli.formatting import points_text, ratio_text, safety_text, signed
from trialcli.model import ArmSafety


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (ArmSafety(affected=100, at_risk=596, pct=17), "100/596 (17%)"),
        # The source printed no percentage: worked out, and said so.
        (ArmSafety(affected=587, at_risk=596), "587/596 (98.5%, computed)"),
        (ArmSafety(affected=0, at_risk=202), "0/202 (0.0%, computed)"),
        (ArmSafety(pct=16, approximate=True), "~16%"),
        (ArmSafety(affected=6, pct=2.8), "6 (2.8%)"),
        (ArmSafety(affected=3), "3 people"),
        (ArmSafety(deaths=1), "1 death"),
        (ArmSafety(deaths=2), "2 deaths"),
        (ArmSafety(), "not reported"),
    ],
)
def test_safety_text(value: ArmSafety, text: str) -> None:
    assert safety_text(value) == text


def test_signed_shows_the_direction_and_no_negative_zero() -> None:
    assert signed(11.83, 1) == "+11.8"
    assert signed(-3.24, 1) == "−3.2"
    assert signed(-0.04, 1) == "0.0"
    assert signed(0.04, 1) == "0.0"
    assert signed(19, 0) == "+19"


def test_points_and_ratio_texts() -> None:
    assert points_text(11.83, (7.02, 15.74)) == "+11.8 pp (+7.0 to +15.7)"
    assert points_text(-4.1, (-8.7, -0.66)) == "−4.1 pp (−8.7 to −0.7)"
    assert points_text(1.9) == "+1.9 pp"
    assert ratio_text(3.3893, (1.8048, 6.3647)) == "RR 3.39 (1.80–6.36)"
    assert ratio_text(1.0, (0.5, 2.0)) == "RR 1.00 (0.50–2.00)"  # places kept, not 1 (0.5–2)
