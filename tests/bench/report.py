#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console of a `./run.sh bench` guest into tables, JSON and a plot.

usage: report.py CONSOLE_LOG --out DIR [--variant V] [--mem SIZE]
       report.py --groups     (the groups, GROUPS below: one place)

Reads the "bench: ..." lines that tests/bench/bench.c prints (see there),
prints a table per workload -- ns/op median [min..max] over the reps for
each map kind and the HASH/RHASH ratios, memory in MiB -- and how the
targets fare, and writes DIR/report.txt (the same text), DIR/bench.json
and DIR/memory.png (gnuplot, from DIR/memory.dat).

It also checks the run: every case of every group in the plan, with every
kind and driver and rep, numbers that parse, no failed operation, the
"done" line, no "bench: error". Each problem is printed; exit status 1 if
there is any, 0 otherwise. Speed is never judged here.
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

KINDS = ('hash', 'hash_no_prealloc', 'rhash')
LABELS = {'hash': 'HASH', 'hash_no_prealloc': 'HASH no-prealloc', 'rhash': 'RHASH'}
DRIVERS = ('native', 'bpf')
KEY_SIZES = (4, 8, 16, 64)

# The contract with bench.c: the cases each group prints, and their drivers.
GROUPS = {
    'full_update': [('full_update', DRIVERS)],
    'update': [('update', DRIVERS)],
    'lookup': [(f'lookup_{w}_k{k}', DRIVERS) for k in KEY_SIZES for w in ('hit', 'miss')],
    'insert_delete': [('insert', DRIVERS), ('delete', DRIVERS)],
    'overwrite': [('overwrite', DRIVERS)],
    'batch': [('batch_lookup', ('syscall',))],
    'memory': [],
}

DESCRIBE = {
    'full_update': "full_update: BPF_ANY update of key {nr_keys} into a full map of keys "
                   "0..{last} (max_entries {max_entries}): every update fails -E2BIG, "
                   "upstream's full-update shape",
    'update': "update: BPF_ANY update of existing keys ({nr_keys} keys of {key_size} B, "
              "8 B values): RHASH writes the value in place, HASH links a new element "
              "and frees the old",
    'lookup': "lookup: keys 0..{last} present, hits and misses, key sizes "
              + '/'.join(map(str, KEY_SIZES)) + " B, 8 B values",
    'insert_delete': "insert: keys 0..{last} into an empty map of max_entries {max_entries} "
                     "(RHASH grows); delete: all of them, from the settled full map (RHASH "
                     "shrinks).\nRHASH resizes in rhashtable's worker, on the guest's one CPU: "
                     "native times the resizes that run during its loop, bpf does not "
                     "(BPF_PROG_TEST_RUN stops its clock when it yields the CPU)",
    'overwrite': "overwrite: delete key i, insert key {nr_keys}+i, in a full map of "
                 "{nr_keys} keys (one op = both)",
    'batch': "batch_lookup: BPF_MAP_LOOKUP_BATCH of the whole map ({nr_keys} elements, "
             "all that is left asked for in every call), ns per element, timed in userspace",
}

DRIVER_NOTE = {
    'native': 'native (kernel loop, /sys/kernel/debug/bpf_map_bench)',
    'bpf': 'bpf (socket filter, 256 ops per run, interpreted)',
    'syscall': 'syscall (bpf(2) from the guest, clock_gettime around)',
}

LINE_RE = re.compile(r'^(?:\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?)?bench: (\w+):? ?(.*)$')
INT_FIELDS = {'key_size', 'nr_keys', 'max_entries', 'rep', 'ops', 'errors', 'calls',
              'elements', 'memlock', 'reps', 'warmups', 'smoke', 'loop'}
MIB = 1 << 20
# Measured in stock UML with the bpf driver's shape (repeat 2000 of a 256-op
# loop, preallocated HASH, 1024 keys of 4 B, 8 B values): case -> ns/op.
REFERENCE = {'lookup_hit_k4': 33.6, 'update': 54.0}


def fields(text):
    return dict(kv.split('=', 1) for kv in text.split() if '=' in kv)


def parse(path, problems):
    """The plan, the samples and memory points, whether the run got to its end."""
    run = {'plan': None, 'samples': [], 'mem': [], 'done': False}
    text = Path(path).read_bytes().decode('utf-8', errors='replace')
    for no, line in enumerate(text.split('\n'), 1):
        m = LINE_RE.match(line.rstrip('\r'))
        if not m:
            continue
        kind, rest = m.groups()
        if kind == 'error':
            problems.append(f'the bench failed: {rest}')
            continue
        if kind == 'done':
            run['done'] = True
            continue
        if kind not in ('plan', 'sample', 'mem'):
            continue
        rec = fields(rest)
        try:
            for k in rec:
                if k in INT_FIELDS:
                    rec[k] = int(rec[k])
            if 'ns_per_op' in rec:
                rec['ns_per_op'] = float(rec['ns_per_op'])
                if not math.isfinite(rec['ns_per_op']) or rec['ns_per_op'] < 0:
                    raise ValueError(f"ns_per_op {rec['ns_per_op']}")
        except ValueError as e:
            problems.append(f'{path}:{no}: does not parse ({e}): {line.strip()}')
            continue
        if kind == 'plan':
            run['plan'] = rec
        else:
            run['samples' if kind == 'sample' else 'mem'].append(rec)
    return run


def check(run, problems):
    """The run is complete and every operation did what it should."""
    plan = run['plan']
    groups = [g for g in plan.get('groups', '').split(',') if g]
    for g in groups:
        if g not in GROUPS:
            problems.append(f'the plan names group {g}, which this report does not know')
    if tuple(plan.get('kinds', '').split(',')) != KINDS:
        problems.append(f"the plan's kinds are {plan.get('kinds')}, expected {','.join(KINDS)}")
    reps = plan.get('reps', 0)
    want = {(c, d) for g in groups for c, drivers in GROUPS.get(g, []) for d in drivers}
    for c, d in sorted({(s.get('case'), s.get('driver')) for s in run['samples']} - want):
        problems.append(f'unexpected samples: case {c} driver {d}')
    for s in run['samples']:
        missing = [k for k in ('case', 'driver', 'kind', 'rep', 'ops', 'ns_per_op', 'errors')
                   if k not in s]
        if missing:
            problems.append(f"a sample lacks {', '.join(missing)}: {s}")
        elif s['errors']:
            problems.append(f"{s['case']} {s['driver']} {s['kind']} rep {s['rep']}: "
                            f"{s['errors']} of {s['ops']} operations failed")
        elif s['ops'] <= 0:
            problems.append(f"{s['case']} {s['driver']} {s['kind']}: {s['ops']} operations")
    for c, d in sorted(want):
        for k in KINDS:
            got = sorted(s.get('rep') for s in run['samples']
                         if (s.get('case'), s.get('driver'), s.get('kind')) == (c, d, k))
            if got != list(range(1, reps + 1)):
                problems.append(f'{c} {d} {k}: reps {got}, expected 1..{reps}')
    if 'memory' in groups:
        points = {k: [m['elements'] for m in run['mem'] if m.get('kind') == k] for k in KINDS}
        for k in KINDS:
            if len(points[k]) < 2 or points[k] != sorted(set(points[k])):
                problems.append(f'memory {k}: element counts {points[k]}')
            elif points[k] != points[KINDS[0]]:
                problems.append(f'memory {k}: element counts {points[k]}, but '
                                f'{points[KINDS[0]]} for {KINDS[0]}')
        for m in run['mem']:
            if m.get('errors') or m.get('memlock', 0) <= 0:
                problems.append(f'memory: {m}')
    if not run['done']:
        problems.append('the bench did not finish ("bench: done" missing)')
    return groups


def summarize(run, groups):
    """One entry per case and driver: per-kind statistics and the ratios."""
    cases = []
    for g in groups:
        for c, drivers in GROUPS.get(g, []):
            for d in drivers:
                entry = {'group': g, 'case': c, 'driver': d, 'kinds': {}}
                for k in KINDS:
                    ss = [s for s in run['samples']
                          if (s.get('case'), s.get('driver'), s.get('kind')) == (c, d, k)]
                    if not ss:
                        continue
                    for f in ('key_size', 'nr_keys', 'max_entries', 'ops'):
                        entry.setdefault(f, ss[0].get(f))
                    ns = [s['ns_per_op'] for s in ss]
                    entry['kinds'][k] = {'median': statistics.median(ns), 'min': min(ns),
                                         'max': max(ns), 'samples': ns}
                    if 'calls' in ss[0]:
                        entry['kinds'][k]['calls'] = [s['calls'] for s in ss]
                rh = entry['kinds'].get('rhash', {}).get('median')
                entry['ratios'] = {
                    f'{k}/rhash': entry['kinds'][k]['median'] / rh
                    for k in KINDS[:-1] if rh and k in entry['kinds']}
                cases.append(entry)
    return cases


def memory_points(run):
    pts = {}
    for m in run['mem']:
        p = pts.setdefault(m['elements'], {'elements': m['elements'],
                                           'max_entries': m.get('max_entries'), 'kinds': {}})
        p['kinds'][m['kind']] = {'memlock': m['memlock'], 'mib': m['memlock'] / MIB}
    return [pts[e] for e in sorted(pts)]


def fmt_ns(x):
    return f'{x:.1f}' if x >= 10 else f'{x:.2f}'


def fmt_ratio(x):
    """A speed ratio."""
    return '-' if x is None else f'{x:.2f}x'


def fmt_share(x):
    """A memory ratio, as a fraction."""
    return f'1/{1 / x:.1f}' if x > 0 else '0'


def table(rows, header):
    """Left-aligned first column, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        cells = [str(r[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in
                                                 zip(r[1:], widths[1:])]
        out.append('  ' + '  '.join(cells).rstrip())
    return out


def case_tables(cases):
    out = []
    for g in dict.fromkeys(c['group'] for c in cases):
        gcases = [c for c in cases if c['group'] == g]
        first = gcases[0]
        out.append('')
        out.append(DESCRIBE[g].format(nr_keys=first.get('nr_keys'),
                                      last=(first.get('nr_keys') or 1) - 1,
                                      key_size=first.get('key_size'),
                                      max_entries=first.get('max_entries')))
        header = ['case', 'driver'] + [LABELS[k] for k in KINDS] + \
                 [f'{LABELS[k]}/RHASH' for k in KINDS[:-1]]
        rows = []
        for c in gcases:
            cells = []
            for k in KINDS:
                s = c['kinds'].get(k)
                cells.append(f"{fmt_ns(s['median'])} [{fmt_ns(s['min'])}..{fmt_ns(s['max'])}]"
                             if s else '-')
            rows.append([c['case'], c['driver']] + cells +
                        [fmt_ratio(c['ratios'].get(f'{k}/rhash')) for k in KINDS[:-1]])
        out += table(rows, header)
    return out


def memory_table(points):
    if not points:
        return []
    out = ['', f"memory: memlock in MiB (fdinfo), max_entries {points[0]['max_entries']}, "
               "4 B keys, 8 B values; RHASH's bucket table after its resize settled"]
    header = ['elements'] + [LABELS[k] for k in KINDS] + \
             [f'RHASH/{LABELS[k]}' for k in KINDS[:-1]]
    rows = []
    for p in points:
        kk = p['kinds']
        cells = [f"{kk[k]['mib']:.3f}" if k in kk else '-' for k in KINDS]
        ratios = [fmt_share(kk['rhash']['memlock'] / kk[k]['memlock'])
                  if 'rhash' in kk and k in kk and kk[k]['memlock'] else '-'
                  for k in KINDS[:-1]]
        rows.append([p['elements']] + cells + ratios)
    return out + table(rows, header)


def targets(cases, points):
    """The series' speed and memory targets, each per driver, against preallocated HASH."""
    res = []

    def speed(name, goal, picks):
        for d in DRIVERS:
            got = [(c['ratios']['hash/rhash'], c['case']) for c in cases
                   if c['driver'] == d and picks(c['case']) and 'hash/rhash' in c['ratios']]
            if got:
                value, worst = min(got)
                res.append({'target': name, 'driver': d, 'goal': goal, 'value': value,
                            'worst_case': worst, 'met': value >= goal})

    speed('update of existing keys >= 5x HASH', 5.0, lambda c: c == 'update')
    speed('lookup >= 1.0x HASH (worst key size, hit or miss)', 1.0,
          lambda c: c.startswith('lookup_'))
    speed('overwrite >= 1.6x HASH', 1.6, lambda c: c == 'overwrite')
    sparse = [p for p in points if p['elements'] and len(p['kinds']) == len(KINDS)]
    if sparse:
        p = min(sparse, key=lambda p: abs(p['elements'] - 1000))
        kk = p['kinds']
        value = kk['rhash']['memlock'] / kk['hash']['memlock']
        res.append({'target': f"sparse map ({p['elements']} of {p['max_entries']}) RHASH "
                              "memory <= 1/50 of HASH", 'driver': 'memlock', 'goal': 1 / 50,
                    'value': value, 'met': value <= 1 / 50,
                    'vs_hash_no_prealloc': kk['rhash']['memlock'] /
                    kk['hash_no_prealloc']['memlock']})
    return res


def reference_line(cases):
    """This run's bpf-driver HASH beside the stock-UML reference, to calibrate."""
    got = {c['case']: c['kinds']['hash']['median'] for c in cases
           if c['driver'] == 'bpf' and c['case'] in REFERENCE and 'hash' in c['kinds']}
    if not got:
        return []
    return ['', 'reference: stock UML, bpf driver, preallocated HASH: ' +
            ', '.join(f'{c} {REFERENCE[c]} ns/op (this run: {fmt_ns(got[c])})' for c in got)]


def target_lines(res, smoke):
    if not res:
        return []
    out = ['', 'targets (medians of this run; speed ratio = HASH time / RHASH time, '
               '>1: RHASH faster):']
    if smoke:
        out.append('  (smoke run: tiny sizes, one rep; these say nothing about speed)')
    for t in res:
        extra = f" (worst: {t['worst_case']})" if t.get('worst_case', '').startswith('lookup') \
            else ''
        value = fmt_ratio(t['value'])
        if 'vs_hash_no_prealloc' in t:
            value = fmt_share(t['value'])
            extra = f" ({fmt_share(t['vs_hash_no_prealloc'])} of HASH no-prealloc)"
        out.append(f"  {t['target']:<52} {t['driver']:<8} {value:>8}  "
                   f"{'met' if t['met'] else 'MISSED'}{extra}")
    return out


def plot(points, out, problems):
    """memory.png: memlock against element count, log-log, one line per kind."""
    dat, png = out / 'memory.dat', out / 'memory.png'
    with open(dat, 'w') as f:
        f.write('# elements ' + ' '.join(f'{k}_MiB' for k in KINDS) + '\n')
        for p in points:
            if p['elements'] and len(p['kinds']) == len(KINDS):
                f.write(f"{p['elements']} " +
                        ' '.join(f"{p['kinds'][k]['mib']:.6f}" for k in KINDS) + '\n')
    gnuplot = shutil.which('gnuplot')
    if not gnuplot:
        problems.append('no gnuplot for memory.png: `make deps` installs gnuplot-nox')
        return
    lines = ', '.join(f"'{dat}' using 1:{i + 2} with linespoints lw 2 title '{LABELS[k]}'"
                      for i, k in enumerate(KINDS))
    script = f"""
set terminal png size 900,600 noenhanced
set output '{png}'
set title 'BPF map memlock against elements (max_entries {points[0]['max_entries']}, 4 B keys, 8 B values)'
set xlabel 'elements in the map'
set ylabel 'memlock (MiB)'
set logscale xy
set format x '%.0s%c'
set autoscale xfix
set offsets graph 0.05, graph 0.05, 0, 0
set grid
set key bottom right
plot {lines}
"""
    r = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    if r.returncode or not png.exists() or png.read_bytes()[:8] != b'\x89PNG\r\n\x1a\n':
        problems.append(f'gnuplot did not write {png}: {r.stderr.strip()[-500:]}')


def host_info():
    cpu = 'unknown'
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = Path('/proc/loadavg').read_text().split()[:3]
    except OSError:
        load = []
    return {'nproc': os.cpu_count(), 'cpu': cpu, 'loadavg_at_report': ' '.join(load)}


def main():
    if sys.argv[1:] == ['--groups']:
        print(' '.join(GROUPS))      # the bench's groups, for tests/bench/run.sh
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('log')
    ap.add_argument('--out', required=True, type=Path)
    ap.add_argument('--variant', default='default')
    ap.add_argument('--mem', default='1G', help='guest memory')
    args = ap.parse_args()

    problems = []
    run = parse(args.log, problems)
    if not run['plan']:
        print(f'report: {args.log} has no "bench: plan" line: the bench did not start')
        for p in problems:
            print(f'report: PROBLEM: {p}')
        return 1
    groups = check(run, problems)
    plan = run['plan']
    smoke = bool(plan.get('smoke'))
    cases = summarize(run, groups)
    points = memory_points(run) if 'memory' in groups else []
    res = targets(cases, points)
    host = host_info()

    args.out.mkdir(parents=True, exist_ok=True)
    for stale in ('report.txt', 'bench.json', 'memory.dat', 'memory.png'):
        (args.out / stale).unlink(missing_ok=True)
    text = [f"RHASH vs HASH: variant {args.variant} (kernel {plan.get('kernel')}), guest "
            f"memory {args.mem}, UML on {host['nproc']} x {host['cpu']} (host load "
            f"average {host['loadavg_at_report']} at report time; a bench run adds 1)"
            + (' -- SMOKE RUN' if smoke else ''),
            f"ns/op, median [min..max] of {plan.get('reps')} reps (after "
            f"{plan.get('warmups')} untimed warm-up rep"
            f"{'' if plan.get('warmups') == 1 else 's'}), every kind in turn in every rep; "
            "ratio: HASH time / RHASH time (>1: RHASH faster)",
            'drivers: ' + '; '.join(DRIVER_NOTE.values())]
    text += case_tables(cases)
    text += memory_table(points)
    text += reference_line(cases)
    text += target_lines(res, smoke)
    if points:
        plot(points, args.out, problems)
    for p in problems:
        text.append(f'report: PROBLEM: {p}')
    text.append(f"report: {'FAIL' if problems else 'ok'}: {len(cases)} rows (case x driver), "
                f"{len(points)} memory points, {len(problems)} problems; "
                f"{args.out}/{{report.txt,bench.json" + (',memory.png' if points else '') + '}')
    print('\n'.join(text))
    (args.out / 'report.txt').write_text('\n'.join(text) + '\n')
    doc = {'meta': {'variant': args.variant, 'kernel': plan.get('kernel'),
                    'guest_mem': args.mem, 'host': host, 'reps': plan.get('reps'),
                    'warmups': plan.get('warmups'), 'smoke': smoke, 'loop': plan.get('loop'),
                    'groups': groups,
                    'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                    'console': str(Path(args.log).resolve())},
           'cases': cases, 'memory': points, 'targets': res,
           'reference_stock_uml_bpf_hash_ns': REFERENCE, 'problems': problems}
    (args.out / 'bench.json').write_text(json.dumps(doc, indent=1) + '\n')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
