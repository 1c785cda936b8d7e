"""Reference RDP values of the sampled Gaussian mechanism by direct numerical integration.

A_alpha = E_{z ~ N(0, sigma^2)}[((1 - q) + q exp((2z - 1) / (2 sigma^2)))^alpha] is integrated
with mpmath.quad at 40 significant digits, split at z0 = sigma^2 ln(1/q - 1) + 1/2. The values do
not use the series of sampled-gaussian-rdp.ts, so they check it independently.
Usage: python3 test/privacy/rdp_reference.py   (mpmath 1.3.0 gave the values in the tests)
"""
import mpmath

mpmath.mp.dps = 40

CASES = [
    # (q, sigma, alpha)
    (0.01, 1.0, 1.5),
    (0.02, 1.2, 8.8),
    (0.02, 1.2, 8.0),
    (0.00105, 1.0, 14.0),
    (0.1, 0.8, 2.5),
    (0.5, 2.0, 1.1),
    (0.3, 5.0, 40.5),
]


def rdp(q, sigma, alpha):
    q, sigma, alpha = mpmath.mpf(q), mpmath.mpf(sigma), mpmath.mpf(alpha)

    def integrand(z):
        ratio = mpmath.exp((2 * z - 1) / (2 * sigma**2))
        density = mpmath.exp(-(z**2) / (2 * sigma**2)) / (sigma * mpmath.sqrt(2 * mpmath.pi))
        return ((1 - q) + q * ratio) ** alpha * density

    z0 = sigma**2 * mpmath.log(1 / q - 1) + mpmath.mpf(1) / 2
    a = mpmath.quad(integrand, [-mpmath.inf, -10 * sigma, 0, z0, z0 + 10 * sigma, mpmath.inf])
    return mpmath.log(a) / (alpha - 1)


if __name__ == '__main__':
    for q, sigma, alpha in CASES:
        print(f'[{q}, {sigma}, {alpha}, {mpmath.nstr(rdp(q, sigma, alpha), 17)}],')
