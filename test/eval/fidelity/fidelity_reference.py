"""Reference values for test/eval/fidelity: FID with scipy's sqrtm and KID with numpy.

Run: python3 test/eval/fidelity/fidelity_reference.py (numpy and scipy; the values in the
tests came from numpy 2.4.6 and scipy 1.17.1 on x86-64). The data sets are integer formulas,
so the TypeScript tests rebuild them exactly.
"""
import numpy as np
from scipy import linalg


def set_a():
    # 12 rows, 5 features.
    return np.array([[((i * 7 + j * 3) % 11) / 4 + ((i * j) % 5) / 10 for j in range(5)] for i in range(12)])


def set_b():
    # 9 rows, 5 features.
    return np.array([[((i * 5 + j * 2 + 1) % 13) / 5 - ((i + j) % 3) / 7 for j in range(5)] for i in range(9)])


def fid(a, b):
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid_full_sets(x, y):
    """Unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 on the whole sets (equal sizes)."""
    d = x.shape[1]
    m = x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


if __name__ == '__main__':
    a, b = set_a(), set_b()
    print('eigenvalues of cov(a):', np.linalg.eigvalsh(np.cov(a, rowvar=False)))
    print('eigenvalues of cov(b):', np.linalg.eigvalsh(np.cov(b, rowvar=False)))
    print(f'fid(a, b) = {fid(a, b)!r}')
    print(f'kid(a[:9], b) = {kid_full_sets(a[:9], b)!r}')
