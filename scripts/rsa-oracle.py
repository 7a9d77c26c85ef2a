#!/usr/bin/python3
"""rsa-oracle.py: known answers for pelib/analysis's RDM comparators and noise
ceiling, computed independently with numpy/scipy (Debian: python3-numpy,
python3-scipy) from the definitions rsatoolbox documents:

  spearman, pearson, kendall tau-b (scipy.stats), tau-a = (n_c - n_d)/(n(n-1)/2)
  counted pair by pair, cosine = a.b/(|a||b|), whitened cosine = a'V^-1 b /
  sqrt(a'V^-1 a b'V^-1 b) with V = (CC')o(CC') for the pairwise contrast
  matrix C, solved densely; noise ceiling: upper = mean_s compare(pool(all),
  D_s), lower = mean_s compare(pool(all but s), D_s), pool = mean of the
  subjects' vectors on the method's scale (ranks, z-scores, /RMS).

The Go tests (pelib/analysis/compare_test.go) hold its output; run it to
check them again: scripts/rsa-oracle.py
"""
import itertools
import numpy as np
from scipy import stats

S = 6
pairs = list(itertools.combinations(range(S), 2))
# A model RDM and four "subject" RDMs of the same 6 tokens (upper triangles,
# row-major), fixed numbers with a tie in the model.
a = np.array([1, 2, 2, 3, 4, 1.5, 2.5, 3, 3.5, 1, 2, 2.5, 1, 1.5, 0.5])
subjects = np.array([
    [1.1, 2.3, 1.9, 3.2, 3.8, 1.2, 2.9, 2.7, 3.6, 1.4, 1.8, 2.2, 1.3, 1.2, 0.9],
    [0.9, 1.8, 2.4, 2.7, 4.1, 1.9, 2.2, 3.4, 3.1, 0.8, 2.5, 2.9, 0.7, 1.9, 0.6],
    [1.3, 2.0, 2.1, 3.5, 3.6, 1.4, 2.6, 3.1, 3.9, 1.2, 1.7, 2.4, 1.2, 1.1, 0.4],
    [0.8, 2.6, 1.7, 2.9, 4.4, 1.6, 2.4, 2.8, 3.3, 1.1, 2.2, 2.6, 1.0, 1.7, 0.8],
])
b = subjects[0]


def tau_a(x, y):
    n = len(x)
    s = 0
    for i in range(n):
        for j in range(i + 1, n):
            s += np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
    return s / (n * (n - 1) / 2)


def cosine(x, y):
    return x @ y / np.sqrt((x @ x) * (y @ y))


C = np.zeros((len(pairs), S))
for p, (i, j) in enumerate(pairs):
    C[p, i], C[p, j] = 1, -1
V = (C @ C.T) ** 2


def whitened(x, y):
    wy = np.linalg.solve(V, y)
    wx = np.linalg.solve(V, x)
    return x @ wy / np.sqrt((x @ wx) * (y @ wy))


methods = {
    "Spearman": lambda x, y: stats.spearmanr(x, y)[0],
    "Pearson": lambda x, y: np.corrcoef(x, y)[0, 1],
    "Kendall": lambda x, y: stats.kendalltau(x, y)[0],
    "KendallTauA": tau_a,
    "RDMCosine": cosine,
    "RDMWhitenedCosine": whitened,
}


def scale(v, m):
    if m in ("Spearman", "Kendall", "KendallTauA"):
        return stats.rankdata(v)
    if m == "Pearson":
        return (v - v.mean()) / v.std()
    return v / np.sqrt(np.mean(v ** 2))


for name, f in methods.items():
    print(f"{name:18s} compare(a, b) = {f(a, b):.15f}")
for name, f in methods.items():
    sc = np.array([scale(v, name) for v in subjects])
    up = np.mean([f(sc.mean(0), v) for v in subjects])
    lo = np.mean([f(np.delete(sc, s, 0).mean(0), v) for s, v in enumerate(subjects)])
    print(f"{name:18s} noise ceiling lower {lo:.15f} upper {up:.15f}")
