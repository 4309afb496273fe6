#!/usr/bin/python3
"""Reference p-values for MannWhitneyU and SpeedupSignificance, from scipy.stats.mannwhitneyu.

Each configuration is a seed and two integer generators; the samples are rebuilt bit for bit by the
C# test (splitmix64, integers over 1024, so both languages hold the same doubles). For each
configuration scipy gives the two one-sided p-values Measure-Speedup's threshold test uses:
  faster: mannwhitneyu(x, y * 1.05, alternative='greater')
  slower: mannwhitneyu(y, x * 1.05, alternative='greater')
with method 'exact' where MannWhitneyU is exact (no ties in the pair, n*m <= 2500) and 'asymptotic'
(use_continuity=True, tie-corrected) elsewhere.

Run with the system python that has scipy (apt-get install python3-scipy):
  /usr/bin/python3 make_mannwhitney_reference.py > mannwhitney-reference.csv
"""
import random
import sys

import scipy
from scipy.stats import mannwhitneyu

MASK = (1 << 64) - 1
EXACT_PAIR_LIMIT = 2500


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def sample(seed, count, offset, spread):
    """count values (offset + k) / 1024 with k uniform in [0, spread)."""
    state = seed
    values = []
    for _ in range(count):
        state, z = splitmix64(state)
        values.append((offset + (z % spread)) / 1024.0)
    return values


def raise_(values):
    return [v * (1 + 5 / 100.0) for v in values]


def pvalue(a, b):
    exact = len(set(a + b)) == len(a) + len(b) and len(a) * len(b) <= EXACT_PAIR_LIMIT
    method = 'exact' if exact else 'asymptotic'
    return mannwhitneyu(a, b, alternative='greater', method=method, use_continuity=True).pvalue, method


def configurations():
    rng = random.Random(19)
    # The sizes where Perfolizer 0.6.1 overflowed: n + m from 50 to 70, near-equal and uneven splits,
    # with no difference, a difference inside the 5% threshold, and 12% faster.
    for total in range(50, 71):
        for n in range(total // 2 - 3, total // 2 + 4):
            for offset_y in (100_000, 97_000, 89_000):
                yield n, total - n, 100_000, 8_000, offset_y, 8_000
    # Small samples, every pair of sizes from 2 to 12: the exact distribution's far tail.
    for n in range(2, 13):
        for m in range(2, 13):
            for offset_y in (100_000, 80_000, 125_000):
                yield n, m, 100_000, 5_000, offset_y, 5_000
    # Ties: few distinct values.
    for _ in range(220):
        n, m = rng.randint(2, 400), rng.randint(2, 400)
        spread = rng.choice((2, 3, 5, 10, 40))
        yield n, m, 1000, spread, 1000 - rng.randint(0, spread), spread
    # Large samples, up to 5,000 a side (1,024 and more on each side broke Perfolizer).
    for n in (100, 1024, 1100, 2000, 5000):
        for m in (100, 1024, 1100, 5000):
            for offset_y in (100_000, 98_000, 83_000):
                yield n, m, 100_000, 10_000, offset_y, 10_000
    # Anything else, sizes 2 to 300.
    for _ in range(150):
        n, m = rng.randint(2, 300), rng.randint(2, 300)
        spread = rng.choice((100, 10_000, 1_000_000))
        yield n, m, 500_000, spread, 500_000 - rng.randint(-spread // 4, spread // 2), spread


def main():
    out = sys.stdout
    out.write(f'# scipy {scipy.__version__}; columns: seed,n,m,offsetX,spreadX,offsetY,spreadY,faster,fasterMethod,slower,slowerMethod\n')
    for i, (n, m, offset_x, spread_x, offset_y, spread_y) in enumerate(configurations()):
        seed = 1_000_003 * (i + 1)
        x = sample(seed, n, offset_x, spread_x)
        y = sample(seed ^ 0x5DEECE66D, m, offset_y, spread_y)
        faster, faster_method = pvalue(x, raise_(y))
        slower, slower_method = pvalue(y, raise_(x))
        out.write(f'{seed},{n},{m},{offset_x},{spread_x},{offset_y},{spread_y},{faster!r},{faster_method},{slower!r},{slower_method}\n')


if __name__ == '__main__':
    main()
