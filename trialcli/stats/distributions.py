"""The chi-squared and Student t distributions, in pure Python.

Only what meta-analysis needs: the upper tail of chi-squared (the p-value of Cochran's Q) and
quantiles of t (Hartung–Knapp intervals, prediction intervals). Both rest on the regularized
incomplete gamma and beta functions, evaluated by the series and continued fractions of
Press et al., Numerical Recipes, 3rd ed. (2007), §6.2 and §6.4. Checked against SciPy's
values (through statsmodels) in tests/test_meta.py.
"""

from __future__ import annotations

import math

_EPSILON = 1e-15
_TINY = 1e-300
_MAX_STEPS = 10_000


def chi2_sf(x: float, df: float) -> float:
    """P(X ≥ x) for X ~ chi-squared with `df` degrees of freedom: Q(df/2, x/2)."""
    if df <= 0:
        raise ValueError("chi-squared needs positive degrees of freedom")
    if x <= 0:
        return 1.0
    return _gamma_q(df / 2, x / 2)


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` degrees of freedom (NR eq. 6.14.10)."""
    if df <= 0:
        raise ValueError("t needs positive degrees of freedom")
    tail = 0.5 * _beta_i(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value below which a fraction `p` lies, by bisection on `t_cdf`."""
    if not 0 < p < 1:
        raise ValueError("a quantile needs 0 < p < 1")
    low, high = -1.0, 1.0
    while t_cdf(low, df) > p:
        low *= 2
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-13:
            break
    return (low + high) / 2


def _gamma_q(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x) (NR §6.2)."""
    log_prefix = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        # Series for P(a, x); Q = 1 − P.
        term = total = 1 / a
        denominator = a
        for _ in range(_MAX_STEPS):
            denominator += 1
            term *= x / denominator
            total += term
            if abs(term) < abs(total) * _EPSILON:
                break
        return max(0.0, 1 - total * math.exp(log_prefix))
    # Continued fraction for Q(a, x) (modified Lentz).
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPSILON:
            break
    return math.exp(log_prefix) * h


def _beta_i(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (NR §6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    c = 1.0
    d = 1 - (a + b) * x / (a + 1)
    d = 1 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, _MAX_STEPS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (_TINY if abs(d) < _TINY else d)
            c = 1 + numerator / c
            c = _TINY if abs(c) < _TINY else c
            h *= d * c
        if abs(d * c - 1) < _EPSILON:
            break
    return h
