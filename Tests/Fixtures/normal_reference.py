# Reference values for NormalTests.swift: mpmath at 60 digits, rounded to the nearest double,
# with scipy.stats.norm for comparison (relative difference printed in the comment column).
from mpmath import mp, mpf, ncdf, npdf, erfinv, sqrt
from scipy.stats import norm
mp.dps = 60
xs = [-37.5, -35.0, -30.0, -20.0, -10.0, -8.0, -5.0, -3.0, -1.959963984540054, -1.0, -0.5, -1e-8,
      0.0, 0.5, 1.0, 1.959963984540054, 3.0, 5.0, 8.0]
print("cdf: (x, Φ(x))")
for x in xs:
    ref = float(ncdf(mpf(x)))
    sp = norm.cdf(x)
    print(f"    ({x!r}, {ref!r}),  // scipy {sp!r}, rel diff {abs(sp - ref) / ref:.1e}")
print("pdf: (x, φ(x))")
for x in [-37.5, -20.0, -5.0, -1.0, 0.0, 0.3, 2.5, 10.0, 30.0]:
    ref = float(npdf(mpf(x)))
    sp = norm.pdf(x)
    print(f"    ({x!r}, {ref!r}),  // scipy {sp!r}")
print("quantile: (p, Φ⁻¹(p))")
mp.dps = 700  # erfinv(1 - 2p) needs the digits for tiny p
for p in [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.025, 0.075, 0.1, 0.3, 0.5, 0.7, 0.925, 0.975, 0.999,
          1 - 1e-10]:
    ref = float(sqrt(2) * erfinv(2 * mpf(p) - 1))
    sp = norm.ppf(p)
    print(f"    ({p!r}, {ref!r}),  // scipy {sp!r}")
