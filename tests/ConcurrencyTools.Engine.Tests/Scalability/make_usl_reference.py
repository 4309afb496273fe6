#!/usr/bin/python3
"""Reference standard errors of the USL fit, from scipy.optimize.curve_fit.

Prints one C# InlineData line per generated sweep: the workers and throughputs (rounded to 6 significant
digits, the values the test fits), then scipy's σ, κ and their standard errors sqrt(diag(pcov)).
Run with the system python that has scipy: /usr/bin/python3 make_usl_reference.py
"""
import numpy as np
from scipy.optimize import curve_fit


def usl(n, lam, sigma, kappa):
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


rng = np.random.default_rng(19)
cases = [
    (100.0, 0.05, 0.002, [1, 2, 4, 8, 16], 3, 0.03),
    (2.5e5, 0.02, 0.0005, [1, 2, 3, 4, 6, 8, 12], 2, 0.02),
    (7.0, 0.3, 0.01, [1, 2, 4, 8], 4, 0.05),
    (1200.0, 0.1, 0.0001, [1, 2, 4, 8, 16, 32], 3, 0.04),
    (40.0, 0.01, 0.02, [1, 2, 3, 4, 5, 6], 3, 0.02),
    (0.8, 0.2, 0.0, [1, 2, 4, 6, 8], 3, 0.03),
]
for lam, sigma, kappa, workers, repeat, noise in cases:
    n = np.repeat(np.array(workers, dtype=float), repeat)
    y = usl(n, lam, sigma, kappa) * (1 + noise * rng.standard_normal(n.size))
    y = np.array([float(f'{v:.6g}') for v in y])
    top = n.max()
    lower = [0, max(-1, -(1 - 1e-6) / (top - 1)), 0]
    upper = [10 * y.max() * top, 1, 1]
    p, cov = curve_fit(usl, n, y, p0=[max(y / n), 0.01, 0.0001], bounds=(lower, upper), method='trf',
                       xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=100000)
    err = np.sqrt(np.diag(cov))
    ns = ', '.join(f'{v:g}' for v in n)
    ys = ', '.join(repr(float(v)) for v in y)
    print(f'    [InlineData(new double[] {{ {ns} }}, new double[] {{ {ys} }}, {p[1]!r}, {p[2]!r}, {err[1]!r}, {err[2]!r})]')
