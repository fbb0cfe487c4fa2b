"""Chebyshev coefficients for the erf kernel in packages/core/src/kernels/elementwise.ts.

Run with /usr/bin/python3 (mpmath, numpy). Prints the coefficient arrays pasted into the kernel:
  - erf(x)/x as a Chebyshev series in s = 2x² − 1 for |x| < 1;
  - erfcx(x) = e^{x²}·erfc(x) as Chebyshev series in s over [1, 2.5], [2.5, 6] (s maps the interval to [−1, 1]).
Every fit is checked at 2000 points against mpmath at 50 digits.
"""
import mpmath
import numpy as np

mpmath.mp.dps = 50


def cheb_fit(f, a, b, degree):
    # Chebyshev interpolation at the Chebyshev points of the first kind, in high precision.
    n = degree + 1
    nodes = [mpmath.cos(mpmath.pi * (k + 0.5) / n) for k in range(n)]
    values = [f((b - a) / 2 * t + (a + b) / 2) for t in nodes]
    coeffs = []
    for j in range(n):
        s = mpmath.fsum(values[k] * mpmath.cos(mpmath.pi * j * (k + 0.5) / n) for k in range(n))
        coeffs.append(2 * s / n)
    coeffs[0] /= 2
    return [float(c) for c in coeffs]


def clenshaw(c, s):
    b1 = 0.0
    b2 = 0.0
    for cj in reversed(c[1:]):
        b1, b2 = 2 * s * b1 - b2 + cj, b1
    return s * b1 - b2 + c[0]


def check(f, c, a, b, to_s):
    worst = 0.0
    for x in np.linspace(a, b, 2000):
        exact = f(mpmath.mpf(x))
        approx = clenshaw(c, to_s(x))
        worst = max(worst, abs(float((approx - exact) / exact)))
    return worst


def erf_over_x(x):
    return mpmath.erf(x) / x if x != 0 else 2 / mpmath.sqrt(mpmath.pi)


def erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)


# |x| < 1: a series in x² (erf(x)/x is even), with t = x² ∈ [0, 1] mapped to s = 2t − 1.
small = cheb_fit(lambda t: erf_over_x(mpmath.sqrt(t)), 0, 1, 12)
print('small', check(erf_over_x, small, 0, 1, lambda x: 2 * x * x - 1), small)
for a, b, deg in [(1, 2.5, 19), (2.5, 6, 22)]:
    c = cheb_fit(erfcx, a, b, deg)
    print(f'erfcx[{a},{b}]', check(erfcx, c, a, b, lambda x: (2 * x - a - b) / (b - a)), c)
