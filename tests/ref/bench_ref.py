#!/usr/bin/python3
"""bench_ref.py - an independent scipy implementation of docs/BENCHMARKS.md that writes tests/vectors/bench_*.txt.

Run from the repository root: python3 tests/ref/bench_ref.py
It needs Debian's python3-scipy; if the python3 on PATH lacks scipy it
re-runs itself with /usr/bin/python3.

Output format (one record per line, fields separated by one space, doubles as
Python's repr, which round-trips):
  bench_special.txt:
    binom R N P CDF SF            Bin(N, P) tails at R
    pois R MU CDF SF              Poisson(MU) tails at R
    chisq_q P DF X                chi-square quantile
    chisq_sf X DF P               chi-square upper tail
    beta_q P A B X                beta quantile
    norm_q P X                    normal quantile
    ci KIND CI X N CONF LO HI     a unit's interval (KIND 0 proportion / 1 rate,
                                  CI 0 Wilson / 1 Clopper-Pearson)
    funnel KIND METHOD THETA0 N LO998 LO95 HI95 HI998
  bench_cases.txt:
    case NAME KIND DIRECTION METHOD CI COUNT
    u X N                         COUNT lines, the input units in order
    s FIELD VALUE                 a summary figure
    r I FIELD VALUE               a figure of unit I
    p I PLACE PLACE_ADJ PLACE_USED JUDGEMENT IN_ABC
    end
"""
import os
import sys

try:
    import numpy as np
    from scipy import stats as st
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

from fractions import Fraction

Z95 = 1.959963984540054
Z998 = 3.090232306167814
PROP, RATE = 0, 1
HIGHER, LOWER = 0, 1
EXACT, WILSON = 0, 1
CI_WILSON, CI_CP = 0, 1
PLACES = ["within", "high-95", "high-99.8", "low-95", "low-99.8"]


def tail_of(conf):
    return {0.95: 0.025, 0.998: 0.001}[conf]


def z_of(conf):
    return {0.95: Z95, 0.998: Z998}[conf]


def interval(kind, ci, x, n, conf):
    t, z = tail_of(conf), z_of(conf)
    if kind == RATE:
        if x < 10:
            lo = 0.0 if x == 0 else st.chi2.ppf(t, 2 * x) / 2 / n
            hi = st.chi2.isf(t, 2 * x + 2) / 2 / n
        else:
            lo = x * (1 - 1 / (9 * x) - z / (3 * x ** 0.5)) ** 3 / n
            hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * (x + 1) ** 0.5)) ** 3 / n
        return float(lo), float(hi)
    if ci == CI_CP:
        lo = 0.0 if x == 0 else st.beta.ppf(t, x, n - x + 1)
        hi = 1.0 if x == n else st.beta.isf(t, x + 1, n - x)
        return float(lo), float(hi)
    z2 = z * z
    root = z * (z2 + 4 * x * (1 - x / n)) ** 0.5
    lo = 0.0 if x == 0 else max(0.0, (2 * x + z2 - root) / (2 * (n + z2)))
    hi = 1.0 if x == n else min(1.0, (2 * x + z2 + root) / (2 * (n + z2)))
    return lo, hi


def dist(kind, theta0, n):
    return st.poisson(theta0 * n) if kind == RATE else st.binom(n, theta0)


def exact_point(d, p, upper, nmax):
    """Spiegelhalter's r_p - alpha; the upper tail is worked on sf."""
    if not upper:
        r = int(d.ppf(p))
        while r > 0 and d.cdf(r - 1) >= p:
            r -= 1
        while d.cdf(r) < p:
            r += 1
        return r - (d.cdf(r) - p) / d.pmf(r)
    t = p  # the upper tail probability 1 - p
    r = int(d.isf(t))
    while r > 0 and d.sf(r - 1) <= t:
        r -= 1
    while d.sf(r) > t and (nmax is None or r < nmax):
        r += 1
    s = 0.0 if (nmax is not None and r >= nmax) else d.sf(r)
    return r - (t - s) / d.pmf(r)


def funnel(kind, method, theta0, n):
    top = float("inf") if kind == RATE else 1.0
    if theta0 == 0 or (kind == PROP and theta0 == 1):
        return [theta0] * 4
    clamp = lambda v: float(min(max(v, 0.0), top))
    if method == WILSON and kind == PROP:
        out = {}
        for z in (Z95, Z998):
            q = z * z
            a = 1 / q + 1 / n
            A = theta0 * (n / q + 1)
            D2 = 64 * A * A - 64 * a * theta0 * (n * (theta0 * (n / q + 2) - 1) + q * (theta0 - 1))
            D = D2 ** 0.5 if D2 > 0 else 0.0
            out[z] = (clamp((A - D / 8) / a / n), clamp((A + D / 8) / a / n))
        return [out[Z998][0], out[Z95][0], out[Z95][1], out[Z998][1]]
    d = dist(kind, theta0, n)
    nmax = None if kind == RATE else n
    return [clamp(exact_point(d, 0.001, False, nmax) / n), clamp(exact_point(d, 0.025, False, nmax) / n),
            clamp(exact_point(d, 0.025, True, nmax) / n), clamp(exact_point(d, 0.001, True, nmax) / n)]


def place_of(v, lim):
    lo998, lo95, hi95, hi998 = lim
    if v > hi998:
        return 2
    if v > hi95:
        return 1
    if v < lo998:
        return 4
    if v < lo95:
        return 3
    return 0


def judge(place, direction):
    if place == 0:
        return 0
    s = 1 if place in (1, 2) else -1
    return -s if direction == LOWER else s


OD_MIN_UNITS = 10


def analyse(kind, direction, method, ci, units):
    I = len(units)
    sx = sum(x for x, _ in units)
    sn = sum(n for _, n in units)
    theta0 = sx / sn
    method_used = EXACT if kind == RATE else method
    S = {"units": I, "sum_x": sx, "sum_n": sn, "theta0": theta0, "method_used": method_used}
    U = []
    for x, n in units:
        u = {"value": x / n, "apf": (x + 1) / (n + 2)}
        u["ci95_lo"], u["ci95_hi"] = interval(kind, ci, x, n, 0.95)
        u["ci998_lo"], u["ci998_hi"] = interval(kind, ci, x, n, 0.998)
        u["lim"] = funnel(kind, method_used, theta0, n)
        var = theta0 / n if kind == RATE else theta0 * (1 - theta0) / n
        u["var"] = var
        u["z"] = (x / n - theta0) / var ** 0.5 if var > 0 else 0.0
        U.append(u)
    vals = np.array([u["value"] for u in U])
    S["min"], S["max"] = float(vals.min()), float(vals.max())
    S["q1"], S["median"], S["q3"] = (float(np.quantile(vals, q, method="linear")) for q in (0.25, 0.5, 0.75))
    zs = np.array([u["z"] for u in U])
    zlo, zhi = float(np.quantile(zs, 0.1, method="linear")), float(np.quantile(zs, 0.9, method="linear"))
    S["z_lo"], S["z_hi"] = zlo, zhi
    for u in U:
        u["z_w"] = min(max(u["z"], zlo), zhi)
    phi = sum(u["z_w"] ** 2 for u in U) / I
    S["phi"] = phi
    S["chi2"] = I * phi
    S["df"] = I - 1
    S["p_value"] = 1.0 if I == 1 else float(st.chi2.sf(I * phi, I - 1))
    # limits are widened only from OD_MIN_UNITS units on (docs/BENCHMARKS.md)
    S["overdispersed"] = int(I * phi > I - 1 and I >= OD_MIN_UNITS)
    w = [1 / u["var"] for u in U if u["var"] > 0]
    den = sum(w) - sum(x * x for x in w) / sum(w) if w else 0.0
    S["tau2"] = max(0.0, (I * phi - (I - 1)) / den) if den > 0 else 0.0
    top = float("inf") if kind == RATE else 1.0
    for u in U:
        sd = (u["var"] + S["tau2"]) ** 0.5
        c = lambda v: min(max(v, 0.0), top)
        u["adj"] = [c(theta0 - Z998 * sd), c(theta0 - Z95 * sd), c(theta0 + Z95 * sd), c(theta0 + Z998 * sd)]
        u["place"] = place_of(u["value"], u["lim"])
        u["place_adj"] = place_of(u["value"], u["adj"])
        u["place_used"] = u["place_adj"] if S["overdispersed"] else u["place"]
        u["judgement"] = judge(u["place_used"], direction)
    # ABC, with exact fractions for the APF order
    apf = [Fraction(x + 1, n + 2) for x, n in units]
    order = sorted(range(I), key=lambda i: apf[i], reverse=(direction == HIGHER))
    taken, tn = [], 0
    k = 0
    while k < I and 10 * tn < sn:
        taken.append(order[k])
        tn += units[order[k]][1]
        k += 1
    while k < I and apf[order[k]] == apf[order[k - 1]]:
        taken.append(order[k])
        k += 1
    ax = sum(units[i][0] for i in taken)
    an = sum(units[i][1] for i in taken)
    S["abc"] = ax / an
    S["abc_units"] = len(taken)
    S["abc_x"], S["abc_n"] = ax, an
    for i, u in enumerate(U):
        u["in_abc"] = int(i in taken)
    return S, U


def fmt(v):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    v = float(v)
    if v == float("inf"):
        return "inf"
    return repr(v)


CASES = []


def case(name, kind, direction, method, ci, units):
    CASES.append((name, kind, direction, method, ci, units))


# Realistic data sets.
# Depression screening in 12 practices (higher is better).
SCREEN = [(45, 120), (88, 150), (30, 95), (140, 210), (61, 80), (17, 60),
          (205, 260), (52, 131), (99, 140), (12, 40), (160, 300), (73, 90)]
case("screening-exact", PROP, HIGHER, EXACT, CI_WILSON, SCREEN)
case("screening-wilson", PROP, HIGHER, WILSON, CI_WILSON, SCREEN)
case("screening-cp", PROP, HIGHER, EXACT, CI_CP, SCREEN)
# 30-day readmissions in 15 hospitals (lower is better).
READMIT = [(52, 610), (38, 402), (70, 820), (15, 190), (37, 380), (80, 955), (13, 151),
           (112, 1204), (27, 333), (49, 502), (21, 260), (95, 1010), (55, 700), (35, 210), (60, 640)]
case("readmission-exact", PROP, LOWER, EXACT, CI_WILSON, READMIT)
case("readmission-wilson", PROP, LOWER, WILSON, CI_WILSON, READMIT)
# Inpatient falls per 1,000 bed-days (rate, lower is better), some with < 10 events.
FALLS = [(12, 4100), (3, 2200), (25, 6400), (7, 3900), (41, 9800), (0, 1500), (18, 5100),
         (9, 2950), (33, 7200), (15, 2600)]
case("falls-rate", RATE, LOWER, EXACT, CI_WILSON, FALLS)
case("falls-rate-wilson-asked", RATE, LOWER, WILSON, CI_WILSON, FALLS)
# An overdispersed set: 20 clinics with real differences in practice.
OVER = [(20, 100), (35, 110), (50, 120), (15, 90), (70, 130), (25, 140), (60, 95), (12, 80),
        (44, 100), (90, 150), (33, 160), (18, 75), (77, 115), (29, 105), (55, 90), (10, 85),
        (66, 125), (40, 170), (85, 140), (22, 60)]
case("overdispersed", PROP, HIGHER, EXACT, CI_WILSON, OVER)
case("overdispersed-wilson", PROP, HIGHER, WILSON, CI_WILSON, OVER)
# Three countries, 44% beside two at 61%: overdispersed, but too few units to widen by.
case("three-units-not-widened", PROP, HIGHER, EXACT, CI_WILSON, [(4400, 10000), (6100, 10000), (6100, 10000)])
# Nine and ten units of the same spread: the threshold itself.
case("nine-units-not-widened", PROP, HIGHER, EXACT, CI_WILSON, OVER[:9])
case("ten-units-widened", PROP, HIGHER, EXACT, CI_WILSON, OVER[:10])

# Edge cases.
case("one-unit", PROP, HIGHER, EXACT, CI_WILSON, [(18, 20)])
case("one-unit-rate", RATE, LOWER, EXACT, CI_WILSON, [(4, 1000)])
case("two-units", PROP, LOWER, EXACT, CI_CP, [(3, 40), (9, 41)])
case("zero-events", PROP, LOWER, EXACT, CI_WILSON, [(0, 50), (0, 120), (0, 7)])
case("zero-events-cp", PROP, LOWER, WILSON, CI_CP, [(0, 50), (0, 120), (0, 7)])
case("zero-events-rate", RATE, LOWER, EXACT, CI_WILSON, [(0, 500), (0, 12000)])
case("all-events", PROP, HIGHER, EXACT, CI_WILSON, [(50, 50), (120, 120), (7, 7)])
case("all-events-wilson", PROP, HIGHER, WILSON, CI_CP, [(50, 50), (120, 120), (7, 7)])
case("mixed-extremes", PROP, HIGHER, EXACT, CI_CP, [(0, 30), (30, 30), (15, 30), (1, 2), (29, 31)])
case("identical", PROP, HIGHER, EXACT, CI_WILSON, [(30, 100)] * 6)
case("identical-rate", RATE, HIGHER, EXACT, CI_WILSON, [(30, 10000)] * 4)
# APF ties: (1,2), (2,4) and (5,12) share APF 1/2... no: (x+1)/(n+2) = 1/2 for (1,2), (2,4), (4,8).
case("abc-ties", PROP, HIGHER, EXACT, CI_WILSON,
     [(1, 2), (2, 4), (4, 8), (1, 10), (3, 30), (2, 50), (10, 100), (5, 200)])
case("abc-ties-lower", PROP, LOWER, EXACT, CI_WILSON,
     [(0, 8), (1, 18), (2, 28), (30, 100), (40, 90), (20, 50), (6, 12)])
case("abc-exact-10pct", PROP, HIGHER, EXACT, CI_WILSON, [(9, 10), (5, 10), (4, 10), (3, 10), (2, 10),
                                                      (2, 10), (1, 10), (1, 10), (1, 10), (0, 10)])
# Huge denominators, as a country's roll-up would have.
case("huge", PROP, HIGHER, EXACT, CI_WILSON,
     [(612345678, 1000000000), (300000000, 500000000), (1201000000, 2000000000), (59000, 100000)])
case("huge-cp", PROP, HIGHER, EXACT, CI_CP, [(612345678, 1000000000), (61234, 100000), (3, 1000000000)])
case("huge-wilson", PROP, LOWER, WILSON, CI_WILSON,
     [(612345678, 1000000000), (300000000, 500000000), (1201000000, 2000000000), (59000, 100000)])
case("huge-rate", RATE, LOWER, EXACT, CI_WILSON,
     [(5000000, 1000000000), (2400000, 500000000), (8, 1000000), (1, 2000000000)])
case("tiny-theta", PROP, LOWER, EXACT, CI_WILSON, [(1, 100000), (0, 250000), (2, 90000), (0, 10)])


def write_cases(path):
    with open(path, "w") as f:
        f.write("# generated by tests/ref/bench_ref.py (scipy %s); do not edit\n" % __import__("scipy").__version__)
        for name, kind, direction, method, ci, units in CASES:
            S, U = analyse(kind, direction, method, ci, units)
            f.write("case %s %d %d %d %d %d\n" % (name, kind, direction, method, ci, len(units)))
            for x, n in units:
                f.write("u %d %d\n" % (x, n))
            for k in ("units", "sum_x", "sum_n", "theta0", "min", "q1", "median", "q3", "max", "abc",
                      "abc_units", "abc_x", "abc_n", "z_lo", "z_hi", "phi", "chi2", "df", "p_value",
                      "overdispersed", "tau2", "method_used"):
                f.write("s %s %s\n" % (k, fmt(S[k])))
            for i, u in enumerate(U):
                for k in ("value", "apf", "ci95_lo", "ci95_hi", "ci998_lo", "ci998_hi", "z", "z_w"):
                    f.write("r %d %s %s\n" % (i, k, fmt(u[k])))
                for k, v in zip(("lo998", "lo95", "hi95", "hi998"), u["lim"]):
                    f.write("r %d %s %s\n" % (i, k, fmt(v)))
                for k, v in zip(("adj_lo998", "adj_lo95", "adj_hi95", "adj_hi998"), u["adj"]):
                    f.write("r %d %s %s\n" % (i, k, fmt(v)))
                f.write("p %d %s %s %s %d %d\n" % (i, PLACES[u["place"]], PLACES[u["place_adj"]],
                                                   PLACES[u["place_used"]], u["judgement"], u["in_abc"]))
            f.write("end\n")


def binom_tails(r, n, p):
    """scipy's binom.cdf and pmf lose ~1e-8 near the mode for n ~ 1e9 (boost's
    incomplete beta). There, the density at the mode is computed with 40-digit
    decimals (Stirling's series), the others by the ratio recurrence, and the
    tails summed over +-40 sd."""
    sd = (n * p * (1 - p)) ** 0.5
    if sd < 1000:
        return st.binom.cdf(r, n, p), st.binom.sf(r, n, p)
    import math
    from decimal import Decimal, getcontext
    getcontext().prec = 45
    D = Decimal
    pi = D("3.14159265358979323846264338327950288419716939937510")

    def log_fact(k):
        k = D(k)
        return ((k + D("0.5")) * k.ln() - k + (2 * pi).ln() / 2 + 1 / (12 * k) - 1 / (360 * k ** 3)
                + 1 / (1260 * k ** 5) - 1 / (1680 * k ** 7))

    m = int(n * p)
    lp = log_fact(n) - log_fact(m) - log_fact(n - m) + m * D(p).ln() + (n - m) * (1 - D(p)).ln()
    pm = float(lp.exp())
    lo, hi = max(0, int(m - 40 * sd)), min(n, int(m + 40 * sd))
    ks = np.arange(m, hi, dtype=np.float64)
    up = pm * np.concatenate(([1.0], np.cumprod((n - ks) / (ks + 1) * (p / (1 - p)))))
    ks = np.arange(m, lo, -1, dtype=np.float64)
    down = pm * np.concatenate(([1.0], np.cumprod(ks / (n - ks + 1) * ((1 - p) / p))))
    pmf = np.concatenate((down[::-1], up[1:]))  # k = lo .. hi
    assert abs(math.fsum(pmf) - 1) < 1e-11
    cut = r - lo + 1
    return math.fsum(pmf[:cut]), math.fsum(pmf[cut:])


def write_special(path):
    with open(path, "w") as f:
        f.write("# generated by tests/ref/bench_ref.py (scipy %s); do not edit\n" % __import__("scipy").__version__)
        for r, n, p in [(0, 10, 0.3), (3, 10, 0.3), (9, 10, 0.3), (45, 120, 0.4), (5, 1000, 0.001),
                        (950, 1000, 0.9), (600000000, 1000000000, 0.6), (599990000, 1000000000, 0.6),
                        (600050000, 1000000000, 0.6), (30, 1000000000, 3e-8), (0, 1000000000, 1e-9),
                        (12, 50, 0.5), (2, 100000, 1e-6)]:
            f.write("binom %d %d %s %s %s\n" % (r, n, fmt(p), *(fmt(v) for v in binom_tails(r, n, p))))
        for r, mu in [(0, 0.5), (3, 2.5), (10, 4.0), (100, 120.0), (5000000, 5000000.0),
                      (4990000, 5000000.0), (5010000, 5000000.0), (0, 1e-6), (7, 30.0)]:
            f.write("pois %d %s %s %s\n" % (r, fmt(mu), fmt(st.poisson.cdf(r, mu)), fmt(st.poisson.sf(r, mu))))
        for p, df in [(0.025, 2), (0.975, 2), (0.001, 20), (0.999, 20), (0.5, 7), (0.025, 1), (0.9, 100),
                      (0.001, 3), (1e-10, 4)]:
            f.write("chisq_q %s %s %s\n" % (fmt(p), fmt(df), fmt(st.chi2.ppf(p, df))))
        for x, df in [(3.0, 1), (20.0, 19), (50.0, 19), (500.0, 19), (0.5, 4), (1000.0, 999), (2000.0, 999)]:
            f.write("chisq_sf %s %s %s\n" % (fmt(x), fmt(df), fmt(st.chi2.sf(x, df))))
        for p, a, b in [(0.025, 18, 3), (0.975, 19, 2), (0.001, 1, 50), (0.5, 2.5, 7.5),
                        (0.025, 612345678, 387654323)]:
            f.write("beta_q %s %s %s %s\n" % (fmt(p), fmt(a), fmt(b), fmt(st.beta.ppf(p, a, b))))
        for p in [0.975, 0.999, 0.5, 0.001, 1e-12, 0.3]:
            f.write("norm_q %s %s\n" % (fmt(p), fmt(st.norm.ppf(p))))
        for kind, ci, x, n in [(0, 1, 18, 20), (0, 0, 18, 20), (0, 1, 0, 20), (0, 1, 20, 20), (0, 0, 0, 20),
                               (0, 0, 20, 20), (0, 1, 1, 1000000000), (1, 0, 0, 1000), (1, 0, 1, 1000),
                               (1, 0, 9, 1000), (1, 0, 10, 1000), (1, 0, 250, 100000)]:
            for conf in (0.95, 0.998):
                lo, hi = interval(kind, ci, x, n, conf)
                f.write("ci %d %d %d %d %s %s %s\n" % (kind, ci, x, n, fmt(conf), fmt(lo), fmt(hi)))
        for kind, method, theta0, n in [(0, 0, 0.3, 100), (0, 0, 0.3, 5), (0, 0, 0.02, 40), (0, 1, 0.3, 100),
                                        (0, 0, 0.999, 500), (0, 0, 0.6, 1000000000), (0, 1, 0.6, 1000000000),
                                        (1, 0, 0.004, 5000), (1, 0, 0.004, 100), (1, 0, 0.005, 1000000000),
                                        (0, 0, 1e-9, 1000000000), (0, 0, 0.0, 10), (0, 0, 1.0, 10),
                                        (0, 1, 0.0, 10), (0, 1, 1.0, 10)]:
            lim = funnel(kind, method, theta0, n)
            f.write("funnel %d %d %s %d %s\n" % (kind, method, fmt(theta0), n, " ".join(fmt(v) for v in lim)))


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "vectors")
    write_special(os.path.join(out, "bench_special.txt"))
    write_cases(os.path.join(out, "bench_cases.txt"))
    print("wrote", os.path.normpath(out) + "/bench_special.txt and bench_cases.txt")
