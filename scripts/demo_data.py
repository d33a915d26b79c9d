#!/usr/bin/env python3
"""demo_data.py - the demo network's layout and its synthetic monthly indicators.

Used by scripts/demo.sh (`make demo`). Standard library only; deterministic:
every figure is drawn from a random.Random seeded with the fixed seed and the
(organization, unit, indicator, period) it belongs to, so a month's data are
the same whether 12 or 3 months are generated, on any machine.

  demo_data.py nodes NETWORK.ini
      one line per node, tab-separated: key, level, jurisdiction ('-' for
      none), issuer key ('-'), peer keys (comma-separated, '-'), kind ('-'),
      name.
  demo_data.py data NETWORK.ini CATALOGUE.ini OUTDIR [--months N] [--seed S] [--year Y]
      writes OUTDIR/<key>.csv for every organization: the last N months
      (default 12) of year Y (default 2025), in hlnctl publish's format.
      Depression screening and falls are monthly; the rarer events (remission,
      patient survey, hip fracture delays) come by whole quarter, AMI deaths
      by whole year (only with 12 months).

The model (invented, plausible): each organization has its country's mean
for each indicator plus a site effect, a small monthly noise and a gentle
improvement over the year; the counts come from simulating the individual
patients (or, for falls, the bed-days) of each unit and month, so the strata
always add up to the total. Sizes are in NETWORK.ini: small practices give
small cells that hlnctl publish suppresses (fewer than 11).
"""

import configparser
import math
import os
import random
import sys

# Country means: screening, remission, patient involvement (proportions,
# higher is better); AMI 30-day mortality (lower is better); hip fracture
# surgery within 2 days (higher); falls per bed-day (lower).
COUNTRY = {
    "CA": dict(screening=0.63, remission=0.34, involved=0.73, ami=0.068, hip=0.79, falls=0.0032),
    "FR": dict(screening=0.57, remission=0.31, involved=0.69, ami=0.060, hip=0.86, falls=0.0028),
    "KE": dict(screening=0.42, remission=0.25, involved=0.62, ami=0.105, hip=0.55, falls=0.0041),
}
DEFAULT_COUNTRY = dict(screening=0.55, remission=0.30, involved=0.68, ami=0.08, hip=0.75, falls=0.0035)

# Patient mix per stratum dimension: value -> (share, multiplier of the rate).
MIX = {
    "sex": {"female": (0.57, 1.06), "male": (0.43, 0.92)},
    "age": {
        "18-64": (0.76, 1.02), "65-plus": (0.24, 0.93),  # primary care adults
        "65-74": (0.30, 1.08), "75-84": (0.38, 1.00), "85-plus": (0.32, 0.90),
    },
}
# AMI admissions: the 65-plus group is the larger and dies more often.
AMI_AGE = {"45-64": (0.38, 0.55), "65-plus": (0.62, 1.28)}

# indicator code -> (model key, kind of unit that reports it, cases a month per unit
# of size, how often it is reported). Rare events are reported by quarter or
# year, as in practice: a month of AMI deaths or remissions is too small to publish.
INDICATORS = {
    "mhpc.depression-screening": ("screening", "primary-care", 1.0, "month"),
    "mhpc.depression-remission-12m": ("remission", "primary-care", 0.035, "quarter"),
    "mhpc.patient-involved-in-decisions": ("involved", "primary-care", 0.05, "quarter"),
    "hosp.ami-mortality-30d": ("ami", "hospital", 0.065, "year"),
    "hosp.hip-fracture-surgery-2d": ("hip", "hospital", 0.055, "quarter"),
    "hosp.falls-per-1000-bed-days": ("falls", "hospital", 30 * 0.86, "month"),
}
# Site effects: standard deviations on the logit scale; monthly noise; trend a month.
SITE_SD = {"screening": 0.22, "remission": 0.25, "involved": 0.25, "ami": 0.20, "hip": 0.30, "falls": 0.15}
MONTH_SD = 0.06
TREND = 0.012  # logit units a month: a gentle improvement over the year


def die(msg):
    sys.stderr.write("demo_data.py: %s\n" % msg)
    sys.exit(1)


def read_network(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None)
    if not cp.read(path, encoding="utf-8"):
        die("%s: cannot read" % path)
    nodes = []
    for key in cp.sections():
        s = cp[key]
        n = dict(key=key, level=s.get("level", "organization"), jurisdiction=s.get("jurisdiction", ""),
                 name=s.get("name", key), issuer=s.get("issuer", ""), kind=s.get("kind", ""),
                 peers=[p.strip() for p in s.get("peers", "").split(",") if p.strip()],
                 screening=s.get("screening"), units=[])
        for u in s.get("units", "").split(","):
            if u.strip():
                code, _, size = u.strip().partition(":")
                n["units"].append((code.strip(), int(size)))
        nodes.append(n)
    keys = {n["key"] for n in nodes}
    for n in nodes:
        for k in n["peers"] + ([n["issuer"]] if n["issuer"] else []):
            if k not in keys:
                die("%s: [%s] names unknown node '%s'" % (path, n["key"], k))
        if n["level"] == "organization" and (not n["units"] or n["kind"] not in ("primary-care", "hospital")):
            die("%s: [%s] needs kind and units" % (path, n["key"]))
    return nodes


def read_catalogue(path):
    """Indicator code -> (kind, [strata]) from an `indicator define` INI file."""
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), interpolation=None)
    if not cp.read(path, encoding="utf-8"):
        die("%s: cannot read" % path)
    cat = {}
    for code in cp.sections():
        strata = [s.strip() for s in cp[code].get("strata", "").replace("\n", " ").split(",") if s.strip()]
        cat[code] = (cp[code].get("kind", "proportion"), strata)
    return cat


def logit(p):
    return math.log(p / (1 - p))


def expit(x):
    return 1 / (1 + math.exp(-x))


def poisson(rng, lam):
    # Knuth's method in chunks, exact enough for the demo's lambdas (< 100).
    n = 0
    while lam > 0:
        step = min(lam, 30.0)
        lam -= step
        limit, p = math.exp(-step), rng.random()
        while p > limit:
            n += 1
            p *= rng.random()
    return n


def dims_of(strata):
    """{'sex': ['female', 'male'], 'age': [...]} in the catalogue's order."""
    d = {}
    for s in strata:
        dim, _, val = s.partition("=")
        d.setdefault(dim, []).append(val)
    return d


# Ontario's learning collaborative on depression screening (scripts/demo.sh):
# April to September. Two of Riverside's clinics (its sites) change their
# practice for good, a real shift from April; its west clinic gains, then
# slips back to where it was by October. Logit-scale effects by month.
COLLAB_START, COLLAB_END = 4, 9
COLLAB_EFFECT = {("ca-riverside", "riverside-main"): "shift",
                 ("ca-riverside", "riverside-east"): "shift",
                 ("ca-riverside", "riverside-west"): "fade"}


def collab_effect(org, unit, code, month_idx):
    kind = COLLAB_EFFECT.get((org["key"], unit)) if code == "mhpc.depression-screening" else None
    if kind is None or month_idx < COLLAB_START:
        return 0.0
    if kind == "shift":
        return 1.1 * min(1.0, (month_idx - COLLAB_START + 1) / 2.0)
    # fade: the gain of the first months, gone again by October
    return 1.1 * max(0.0, 1.0 - max(0, month_idx - (COLLAB_START + 2)) / 4.0)


def mix_for(code, dim, val):
    if code == "hosp.ami-mortality-30d" and dim == "age":
        return AMI_AGE.get(val, (1.0, 1.0))
    return MIX.get(dim, {}).get(val, (1.0, 1.0))


def unit_rows(seed, org, unit, size, code, strata, base, month_idx, period):
    """The CSV rows of one unit, indicator and month."""
    model, _, per_size, freq = INDICATORS[code]
    per_size *= {"month": 1, "quarter": 3, "year": 12}[freq]
    site = random.Random("%s/site/%s/%s/%s" % (seed, org["key"], unit, code))
    rng = random.Random("%s/%s/%s/%s/%s" % (seed, org["key"], unit, code, period))
    effect = site.gauss(0, SITE_SD[model])
    if model == "falls":
        exposure = int(size * per_size * rng.uniform(0.92, 1.04))
        lam = base * math.exp(effect + rng.gauss(0, MONTH_SD) - 0.5 * TREND * month_idx) * exposure
        return [("", poisson(rng, lam), exposure)]
    p = expit(logit(base) + effect + rng.gauss(0, MONTH_SD) + (TREND if model != "ami" else -TREND) * month_idx
              + collab_effect(org, unit, code, month_idx))
    if model == "screening" and org["screening"]:
        p = float(org["screening"]) * math.exp(rng.gauss(0, 0.03) + 0.004 * month_idx)
    season = 1 + 0.08 * math.cos(2 * math.pi * (month_idx - 1) / 12)  # busier in winter
    n = max(1, int(round(size * per_size * season * rng.uniform(0.9, 1.1))))
    dims = dims_of(strata)
    totals = {"": [0, 0]}
    for dim, vals in dims.items():
        for v in vals:
            totals["%s=%s" % (dim, v)] = [0, 0]
    for _ in range(n):
        q = p
        cells = []
        for dim, vals in dims.items():
            shares = [mix_for(code, dim, v)[0] for v in vals]
            v = rng.choices(vals, weights=shares)[0]
            q *= mix_for(code, dim, v)[1]
            cells.append("%s=%s" % (dim, v))
        event = rng.random() < min(q, 0.995)
        for c in [""] + cells:
            totals[c][0] += event
            totals[c][1] += 1
    rows = []
    for c in [""] + ["%s=%s" % (d, v) for d, vals in dims.items() for v in vals]:
        x, d = totals[c]
        if d > 0:
            rows.append((c, x, d))
    return rows


def cmd_nodes(args):
    if len(args) != 1:
        die("usage: demo_data.py nodes NETWORK.ini")
    for n in read_network(args[0]):
        print("\t".join([n["key"], n["level"], n["jurisdiction"] or "-", n["issuer"] or "-",
                         ",".join(n["peers"]) or "-", n["kind"] or "-", n["name"]]))


def cmd_data(args):
    opts = {"--months": "12", "--seed": "20250101", "--year": "2025"}
    pos = []
    i = 0
    while i < len(args):
        if args[i] in opts and i + 1 < len(args):
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            pos.append(args[i])
            i += 1
    if len(pos) != 3:
        die("usage: demo_data.py data NETWORK.ini CATALOGUE.ini OUTDIR [--months N] [--seed S] [--year Y]")
    months, seed, year = int(opts["--months"]), opts["--seed"], int(opts["--year"])
    if not 1 <= months <= 12:
        die("--months must be 1 to 12")
    nodes = read_network(pos[0])
    cat = read_catalogue(pos[1])
    os.makedirs(pos[2], exist_ok=True)
    total_rows = 0
    for org in nodes:
        if org["level"] != "organization":
            continue
        country = org["jurisdiction"].split("-")[0]
        means = COUNTRY.get(country, DEFAULT_COUNTRY)
        lines = ["indicator,period,unit,stratum,numerator,denominator"]
        for m in range(13 - months, 13):
            for code, (model, kind, _, freq) in INDICATORS.items():
                if kind != org["kind"] or code not in cat:
                    continue
                if freq == "month":
                    period = "%04d-%02d" % (year, m)
                elif freq == "quarter" and m % 3 == 0 and m - 2 >= 13 - months:  # a whole quarter ends
                    period = "%04d-Q%d" % (year, m // 3)
                elif freq == "year" and m == 12 and months == 12:  # a whole year ends
                    period = "%04d" % year
                else:
                    continue
                strata = cat[code][1]
                for unit, size in org["units"]:
                    u = "" if unit == "-" else unit
                    for stratum, x, d in unit_rows(seed, org, unit, size, code, strata, means[model], m, period):
                        lines.append("%s,%s,%s,%s,%d,%d" % (code, period, u, stratum, x, d))
        with open(os.path.join(pos[2], org["key"] + ".csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        total_rows += len(lines) - 1
    print(total_rows)


def main():
    cmds = {"nodes": cmd_nodes, "data": cmd_data}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: demo_data.py nodes|data ... (see the top of this file)")
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
