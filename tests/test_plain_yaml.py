"""The fast paths of the loader return exactly what PyYAML's own code returns.

When the fast construction meets anything unusual it gives way to the full loader, so the
only way it could be wrong is by succeeding with different data; the quicker tag
resolution must give PyYAML's tags. These tests compare both with a loader that uses
PyYAML's own code, value by value and type by type (True is not 1; 0.10 keeps its two
decimals).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trialcli.catalog import bundled_dir
from trialcli.loader import _plain_data, _StudyLoader, parse_yaml
from trialcli.written import Written

FIXTURES = Path(__file__).parent / "fixtures"


class _Reference(_StudyLoader):  # type: ignore[misc]
    """The study loader with PyYAML's own tag resolution."""

    resolve = yaml.resolver.BaseResolver.resolve


def full(text: str) -> Any:
    return yaml.load(text, Loader=_Reference)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, Written places included; NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Written) and a.places != b.places:
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def agrees(text: str) -> None:
    try:
        expected = full(text)
    except Exception:
        expected = "error"
    try:
        fast = _plain_data(text)[0]
    except Exception:
        return  # the fast path gave way; parse_yaml then uses the full loader
    assert expected != "error", "the fast path accepted what the full loader refuses"
    assert same(fast, expected), (fast, expected)


@pytest.mark.parametrize(
    "path", [*sorted(bundled_dir().glob("*.yaml")), FIXTURES / "minimal.yaml"], ids=str
)
def test_study_files_parse_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert same(_plain_data(text)[0], full(text))
    assert same(parse_yaml(text, str(path)), full(text))


TRICKY = [
    "a: 0.10\nb: 1.0e3\nc: .inf\nd: -.inf\ne: .nan\nf: 1_000.5\ng: 10\n",
    "a: 0x1F\nb: 0o17\nc: 1_000\nd: -0\ne: +12\nf: 0b101\ng: 190:20:30\n",
    "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: ~\ng: null\nh:\ni: 'true'\n",
    "date: 2011-11-15\nwhen: 2001-12-14t21:59:43.10-05:00\n",
    "? [a, b]\n: c\n",
    "a: &x 1\nb: *x\n",
    "a: &x {k: v}\nb: *x\n",
    "base: &b {k: 1}\nother:\n  <<: *b\n",
    "a: 1\na: 2\n",
    "1: a\n1.0: b\n",
    "true: a\n1: b\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1, y: 2]\n",
    "a: !!str 12\nb: !!int '7'\nc: !!float '2'\n",
    "a: !custom x\n",
    "a: !!python/object/apply:os.system ['true']\n",
    "- 1\n- [2, [3, {x: [4]}]]\n",
    "",
    "# only a comment\n",
    "just text\n",
    "a: |\n  two\n  lines\nb: >-\n  folded\n  text\n",
    "a: [unclosed\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_agree(text: str) -> None:
    agrees(text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "~", "null", "1e3", "0x1F", "0o7", "1_0", ".inf", "<<", "=", ""]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(documents, st.booleans())
def test_dumped_documents_agree(data: Any, flow: bool) -> None:
    agrees(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab01.:-[]{}&*!<>,?'\"\n #~|", max_size=40))
def test_yaml_like_text_agrees(text: str) -> None:
    agrees(text)
