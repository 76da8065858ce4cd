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
# would give.  Labels are used only to report, never to choose a rule's
# threshold; which rule becomes the default is chosen from this table on the
# development entities (doc/benchmarks.md).
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
PY
