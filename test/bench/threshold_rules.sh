#!/usr/bin/env bash
# test/bench/threshold_rules.sh: deployable (label-free) threshold rules
# compared on the accuracy benchmark's development entities.
#
#   MIMGAN_BENCH_KEEP=1 MIMGAN_BENCH_CONFIGS=mim MIMGAN_BENCH_BASELINES=0 \
#     MIMGAN_BENCH_DATASETS="asd smd" bash test/bench/accuracy.sh
#   bash test/bench/threshold_rules.sh
#
# The first command trains the default model of every entity and leaves its
# cluster running; this script scores each entity's training and test rows
# through mimgan_score and, in Python (numpy), applies each rule to the
# TRAINING scores only (quantiles, mean + k sd, peaks over threshold as
# src/core/threshold.c computes it) and reports the F1 on the test labels it
# would give.  A second table applies batch rules to the scores of the
# scored (test) series itself, still without labels: quantiles, mean + z sd,
# median + k MAD of the scores and of their logarithms (the scoring option
# "threshold": "mad" is the latter), SPOT (the POT fit on the test scores)
# and the nonparametric dynamic threshold of Hundman et al. 2018
# (Telemanom: z in [2.5, 12) maximising (dmu/mu + dsd/sd) / (|e_a| +
# |E_seq|^2), with and without its error buffer and pruning).  Labels are
# used only to report, never to choose a rule's threshold; which rule
# becomes the default is chosen from these tables on the development
# entities (doc/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
PSQL=${PSQL:-/usr/lib/postgresql/15/bin/psql}
SOCK=${MIMGAN_BENCH_SOCK:-$(pwd -P)/.bench/sock}
PORT=${MIMGAN_BENCH_PORT:-54340}
OUT=$(mktemp -d /tmp/mimgan_thr.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
q() { "$PSQL" -h "$SOCK" -p "$PORT" -U postgres bench -XAtq "$@"; }
for m in $(q -c "SELECT name FROM mimgan_models WHERE name LIKE '%\_mim' ORDER BY name"); do
	e=${m%_mim}
	q -c "\\copy (SELECT s.score FROM mimgan_score('$m', NULL::${e}_train) s) TO '$OUT/${e}_train.csv' CSV"
	q -c "\\copy (SELECT s.score, (s.r).label FROM mimgan_score('$m', NULL::${e}_test) s) TO '$OUT/${e}_test.csv' CSV"
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, os, sys
import numpy as np
d = sys.argv[1]

def pot(s, level, risk):
    s = np.sort(s); n = len(s); t = np.quantile(s, level)
    y = s[s > t] - t; nt = len(y)
    if nt < 10:
        return s[-1]
    p = (np.arange(1, nt + 1) - 0.35) / nt
    a0 = y.mean(); a1 = ((1 - p) * y).mean()
    if a0 <= 0 or a0 - 2 * a1 <= 0:
        return t + a0
    g = min(max(-(a0 / (a0 - 2 * a1) - 2), -0.5), 0.9)
    sig = 2 * a0 * a1 / (a0 - 2 * a1); r = risk * n / nt
    return t - sig * np.log(r) if abs(g) < 1e-8 else t + sig / g * (r ** -g - 1)

def f1(sc, y, thr):
    f = sc > thr; tp = (f & y).sum(); fp = (f & ~y).sum(); fn = (~f & y).sum()
    return 2 * tp / max(2 * tp + fp + fn, 1)

def best(sc, y):
    o = np.argsort(-sc, kind='stable'); ys = y[o]; tp = np.cumsum(ys); fp = np.cumsum(~ys)
    return (2 * tp / (tp + fp + ys.sum())).max()

ents = sorted(os.path.basename(f)[:-10] for f in glob.glob(d + '/*_train.csv'))
data = {}
for e in ents:
    tr = np.genfromtxt(f'{d}/{e}_train.csv', delimiter=',', ndmin=1); tr = tr[np.isfinite(tr)]
    te = np.genfromtxt(f'{d}/{e}_test.csv', delimiter=',', ndmin=2)
    te = te[np.isfinite(te[:, 0])]
    data[e] = (tr, te[:, 0], te[:, 1] > 0)
rules = [('best F1 (labels: reference only)', None)]
rules += [(f'quantile {q}', lambda s, q=q: np.quantile(s, q)) for q in (0.95, 0.97, 0.975, 0.98, 0.985, 0.99, 0.995, 0.999)]
rules += [(f'mean + {k} sd', lambda s, k=k: s.mean() + k * s.std()) for k in (2, 3, 4)]
rules += [(f'pot {lv} / {rk}', lambda s, lv=lv, rk=rk: pot(s, lv, rk))
          for lv, rk in ((0.9, 0.03), (0.9, 0.01), (0.95, 0.03), (0.98, 0.01), (0.98, 0.003), (0.98, 0.001), (0.99, 0.001))]
groups = sorted(set(e.split('_')[0] for e in ents))
print('%-34s' % 'rule (on training scores)' + ''.join('%9s' % e.replace('machine_', 'm').replace('asd_', '')[-8:] for e in ents)
      + ''.join('%9s' % ('mean ' + g) for g in groups))
for name, fn in rules:
    v = [best(data[e][1], data[e][2]) if fn is None else f1(data[e][1], data[e][2], fn(data[e][0])) for e in ents]
    means = [np.mean([x for x, e in zip(v, ents) if e.startswith(g)]) for g in groups]
    print('%-34s' % name + ''.join('%9.3f' % x for x in v) + ''.join('%9.3f' % x for x in means))

# batch rules: from the scores of the scored (test) series itself
def mad(x):
    m = np.median(x); return m, 1.4826 * np.median(np.abs(x - m))

def logmad(x, k):
    m, s = mad(np.log(np.maximum(x, 1e-12))); return np.exp(m + k * s)

def runs(idx):
    if len(idx) == 0:
        return []
    br = np.where(np.diff(idx) > 1)[0]
    return list(zip(np.concatenate(([idx[0]], idx[br + 1])), np.concatenate((idx[br], [idx[-1]]))))

def buffered(ia, buf, n):
    if buf <= 0 or len(ia) == 0:
        return ia
    b = np.arange(-(buf - 1), buf)
    x = np.unique((ia[:, None] + b[None, :]).ravel())
    return x[(x >= 0) & (x < n)]

def telemanom_eps(e, buf):
    mu = e.mean(); sd = e.std(); n = len(e); bestsc = -1e18; eps = mu + 12 * sd
    for z in np.arange(2.5, 12.0, 0.5):
        ep = mu + z * sd; pr = e[e < ep]; ia = buffered(np.nonzero(e >= ep)[0], buf, n)
        if len(ia) == 0:
            continue
        E = [r for r in runs(ia) if r[0] != r[1]]
        sc = ((mu - pr.mean()) / mu + (sd - pr.std()) / sd) / (len(E) ** 2 + len(ia))
        if sc >= bestsc and len(E) <= 5 and len(ia) < n * 0.5:
            bestsc = sc; eps = ep
    return eps

def telemanom_flags(e, buf, p=0.13):
    n = len(e); ia = buffered(np.nonzero(e >= telemanom_eps(e, buf))[0], buf, n)
    flags = np.zeros(n, bool)
    if len(ia) == 0:
        return flags
    g = runs(ia); rest = np.ones(n, bool); rest[ia] = False
    mx = np.array([e[a:b + 1].max() for a, b in g])
    srt = np.append(np.sort(mx)[::-1], e[rest].max() if rest.any() else 0.0)
    rm = []
    for i in range(len(srt) - 1):
        rm = rm + list(np.nonzero(mx == srt[i])[0]) if (srt[i] - srt[i + 1]) / srt[i] < p else []
    for j, (a, b) in enumerate(g):
        if j not in rm:
            flags[a:b + 1] = True
    return flags

def fl(sc, y, flags):
    tp = (flags & y).sum(); fp = (flags & ~y).sum(); fn = (~flags & y).sum()
    return 2 * tp / max(2 * tp + fp + fn, 1)

brules = [('best F1 (labels: reference only)', None)]
brules += [(f'test quantile {q}', lambda s, q=q: s > np.quantile(s, q)) for q in (0.9, 0.95, 0.97, 0.99)]
brules += [(f'test mean + {z} sd', lambda s, z=z: s > s.mean() + z * s.std()) for z in (2, 3)]
brules += [(f'test median + {k} MAD', lambda s, k=k: s > mad(s)[0] + k * mad(s)[1]) for k in (3, 3.5, 4, 6)]
brules += [(f'test log median + {k} MAD', lambda s, k=k: s > logmad(s, k)) for k in (2.5, 2.75, 3, 4)]
brules += [(f'test SPOT {lv} / {rk}', lambda s, lv=lv, rk=rk: s > pot(s, lv, rk)) for lv, rk in ((0.9, 0.01), (0.98, 0.001))]
brules += [('telemanom eps, no buffer', lambda s: s >= telemanom_eps(s, 0)),
           ('telemanom eps, buffer 100', lambda s: s >= telemanom_eps(s, 100)),
           ('telemanom flags, buffer 100, pruned', lambda s: telemanom_flags(s, 100))]
print()
print('%-34s' % 'rule (on the scored test series)' + ''.join('%9s' % e.replace('machine_', 'm').replace('asd_', '')[-8:] for e in ents)
      + ''.join('%9s' % ('mean ' + g) for g in groups))
for name, fn in brules:
    v = [best(data[e][1], data[e][2]) if fn is None else fl(data[e][1], data[e][2], fn(data[e][1])) for e in ents]
    means = [np.mean([x for x, e in zip(v, ents) if e.startswith(g)]) for g in groups]
    print('%-34s' % name + ''.join('%9.3f' % x for x in v) + ''.join('%9.3f' % x for x in means))
PY
