#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge UML guest console logs: KTAP results, kernel splats, exit status.

usage: console.py LOG... [--label NAME] [--junit FILE] [--summary FILE]
                  [--exit-code N|none]... [--vmlinux PATH --srctree PATH]

Several LOGs are the consoles of guests that ran side by side: one verdict
over all of them, an --exit-code for each, in order.

Lines may carry a printk timestamp ("[    1.234567] ", optionally followed
by a caller id "[    T1] ") and a trailing "\\r"; both are stripped.

KTAP: a document starts at "KTAP version N" / "TAP version N" at column 0.
Subtests nest by 4-space (or tab) indentation; lines that are not KTAP are
ignored wherever they are.  Timestamped lines (printk: KUnit) and plain
lines (userspace: our runner) are parsed as two separate streams, so a
KUnit module loaded mid-run cannot cut into the runner's document.
  - a leaf (result with no nested results or plan) passes, fails, or is
    skipped ("# SKIP", "# TODO", "# XFAIL");
  - a parent that is "not ok" (or has no result line) while none of its
    children failed is one failure named after it (e.g. a crashed suite);
  - a plan "1..N" with fewer results at that level adds one failure per
    missing result, named "<parent>.<missing test #k>";
  - a failure's message is the first "# " diagnostic line printed at its
    level since the previous result (else at the nearest enclosing level),
    preferring one that reads like an error (FAILED, expected, fault...);
  - full names join suite and test names with ".".
Splats: a line that starts (after the timestamp) with BUG:, WARNING:, UBSAN:,
Oops, "Kernel panic - not syncing", "general protection fault", "Unable to
handle kernel", "kernel BUG at", "rcu: INFO: ... stall", "INFO: task ...
blocked for more than", "kmemleak: N new suspected memory leaks" or
"unreferenced object 0x" (lockdep and KASAN reports start with WARNING:/BUG:).
Its block ends at "---[ end ...]---", at the closing "====" line (KASAN),
at the first unindented line (kmemleak object), at the first unindented line
after a call trace, before a KTAP result/plan/version line or the next
splat, or after 100 lines.
Timing: the guest's init says "init: suites start at S s" (its boot) and
"init: SUITE took S s" (untimestamped lines, not KTAP).
Verdict: pass iff no failed test, no missing result, at least one result, no
splat, and (with --exit-code) every guest's exit status 0.  Output: FAIL
lines, SPLAT blocks (first 5, decoded with scripts/decode_stacktrace.sh when
--vmlinux and --srctree are given), ERROR lines, then the closing line
"LABEL: P passed, F failed, S skipped".  --summary writes the same verdict
as JSON (summary() below), with the boot and suite times.  Exit status 0
pass, 1 fail, 2 usage.
"""
import argparse
import itertools
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MAX_SPLATS_SHOWN = 5
MAX_BLOCK_LINES = 100
MAX_BLOCK_SCAN = 2000          # lines looked at for one block
DECODE_TIMEOUT = 300

TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?')
VERSION_RE = re.compile(r'^(?:KTAP|TAP) version \d+\s*$')
PLAN_RE = re.compile(r'^1\.\.(\d+)\b')
RESULT_RE = re.compile(r'^(not ok|ok)\s+(\d+)\b\s*(?:-\s+)?(.*)$')
SUBTEST_RE = re.compile(r'^#\s*Subtest:\s*(.*?)\s*$')
SKIP_RE = re.compile(r'^(SKIP|TODO|XFAIL)\b', re.IGNORECASE)
UNINFORMATIVE_DIAG_RE = re.compile(
    r'^(?:Subtest|module):|\bpass:\d+ fail:\d+ skip:\d+ total:\d+$')
FAILURE_HINT_RE = re.compile(
    r'fail|error|fault|timed out|expected|assert|\bbug\b|crash|signal|abort',
    re.IGNORECASE)
SPLAT_RE = re.compile(
    r'^(?:BUG:|WARNING:|UBSAN:|Oops|Kernel panic - not syncing'
    r'|general protection fault|Unable to handle kernel|kernel BUG at'
    r'|rcu: INFO: .*stall|INFO: task .* blocked for more than'
    r'|kmemleak: \d+ new suspected memory leak'
    r'|(?:kmemleak: )?unreferenced object 0x)')
END_MARK_RE = re.compile(r'^-+\[ end ')
KASAN_END_RE = re.compile(r'^={20,}\s*$')
INIT_START_RE = re.compile(r'^init: suites start at (\d+(?:\.\d+)?) s$')
INIT_TOOK_RE = re.compile(r'^init: (\S+) took (\d+(?:\.\d+)?) s$')
XML_INVALID_RE = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


# ---------------------------------------------------------------- log lines

@dataclass
class Line:
    no: int          # 1-based line number in the log
    text: str        # without timestamp and line ending
    timed: bool      # had a printk timestamp (kernel) or not (userspace)


def read_log(path):
    raw = Path(path).read_bytes().decode('utf-8', errors='replace')
    lines = []
    for no, text in enumerate(raw.split('\n'), 1):
        text = text.rstrip('\r').replace('\0', '')
        m = TIMESTAMP_RE.match(text)
        lines.append(Line(no, text[m.end():] if m else text, bool(m)))
    if lines and not lines[-1].text:
        lines.pop()
    return lines


# --------------------------------------------------------------------- KTAP

@dataclass
class Test:
    name: str = ''
    number: int = 0
    ok: bool | None = None       # None: no result line was seen
    directive: str = ''          # text after " # " on the result line
    diags: list = field(default_factory=list)
    plan: int | None = None
    children: list = field(default_factory=list)
    trailing: list = field(default_factory=list)  # diags after last result

    def skipped(self):
        return bool(SKIP_RE.match(self.directive))


@dataclass
class Block:
    """One open nesting level: results at `level` are children of `test`."""
    level: int
    test: Test
    buffer: list = field(default_factory=list)   # diags since last result
    pending: Test | None = None  # closed subtest awaiting its result line

    def started(self):
        return bool(self.test.name or self.test.plan is not None
                    or self.test.children or self.pending)

    def flush_pending(self):
        if self.pending:
            self.test.children.append(self.pending)
            self.pending = None


def classify(text):
    """(level, kind, match) for a KTAP line, None for anything else."""
    body = text.lstrip(' \t')
    width = len(text[:len(text) - len(body)].expandtabs(4))
    if width % 4:
        return None
    for kind, regex in (('version', VERSION_RE), ('plan', PLAN_RE),
                        ('result', RESULT_RE), ('subtest', SUBTEST_RE)):
        m = regex.match(body)
        if m:
            return width // 4, kind, m
    if body.startswith('#'):
        return width // 4, 'diag', body[1:].strip()
    return None


def split_description(rest):
    """'name # SKIP why' -> ('name', 'SKIP why')."""
    for i, ch in enumerate(rest):
        if ch == '#' and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].strip(), rest[i + 1:].strip()
    return rest.strip(), ''


class KtapParser:
    """Builds a Test tree per KTAP document from one stream of lines."""

    def __init__(self):
        self.docs = []
        self.stack = []

    def feed(self, text):
        parsed = classify(text)
        if not parsed:
            return
        level, kind, m = parsed
        if kind == 'version' and level == 0:
            self.finish()
            self.stack.append(Block(0, Test()))
            return
        if not self.stack:
            return                        # KTAP-looking noise outside a doc
        if kind == 'diag':
            self._block_for_diag(level).buffer.append(m)
            return
        block = self._block_at(level, fresh=kind == 'version' or (
            kind == 'subtest' and self._started_at(level)))
        if kind == 'subtest':
            block.test.name = m.group(1)
        elif kind == 'plan':
            block.test.plan = int(m.group(1))
        elif kind == 'result':
            self._add_result(block, m)

    def finish(self):
        """Closes every open level; returns the documents parsed so far."""
        while self.stack:
            self._pop()
        return self.docs

    def _started_at(self, level):
        return any(b.level == level and b.started() for b in self.stack)

    def _block_at(self, level, fresh):
        """The block at `level`, closing deeper (or, if fresh, equal) ones."""
        while len(self.stack) > 1 and (self.stack[-1].level > level or (
                fresh and self.stack[-1].level == level)):
            self._pop()
        if self.stack[-1].level < level:
            parent = self.stack[-1]
            parent.flush_pending()
            self.stack.append(Block(level, Test()))
        return self.stack[-1]

    def _block_for_diag(self, level):
        for block in reversed(self.stack):
            if block.level <= level:
                return block
        return self.stack[0]

    def _pop(self):
        block = self.stack.pop()
        block.flush_pending()
        block.test.trailing = block.buffer
        if self.stack:
            parent = self.stack[-1]
            parent.flush_pending()
            parent.pending = block.test
        else:
            self.docs.append(block.test)

    def _add_result(self, block, m):
        test = block.pending or Test()
        block.pending = None
        name, directive = split_description(m.group(3))
        test.name = test.name or name
        test.number, test.ok, test.directive = int(m.group(2)), m.group(1) == 'ok', directive
        test.diags = block.buffer or self._enclosing_diags(block)
        if directive and not test.ok and not test.skipped():
            test.diags = test.diags + [directive]     # e.g. "# TIMEOUT 45 s"
        block.buffer = []
        block.test.children.append(test)

    def _enclosing_diags(self, block):
        for outer in reversed(self.stack[:self.stack.index(block)]):
            if outer.buffer:
                return list(outer.buffer)
        return []


def parse_ktap(lines):
    """All KTAP documents, kernel (timestamped) and userspace streams apart."""
    parsers = {True: KtapParser(), False: KtapParser()}
    for line in lines:
        parsers[line.timed].feed(line.text)
    return parsers[True].finish() + parsers[False].finish()


# -------------------------------------------------------------------- model

@dataclass
class Outcome:
    path: tuple
    status: str                  # 'pass', 'fail' or 'skip'
    diags: list = field(default_factory=list)
    note: str = ''               # the message, when it is not a diagnostic

    @property
    def name(self):
        return '.'.join(self.path)

    def message(self):
        """The diagnostic that best says why: the first that looks like an
        error report (FAILED, expected, fault...), else the first one."""
        if self.note:
            return self.note
        prefix = self.path[-1] + ':'
        texts = [d[len(prefix):].strip() if d.startswith(prefix) else d
                 for d in self.diags if not UNINFORMATIVE_DIAG_RE.search(d)]
        texts = [t for t in texts if t]
        hints = [t for t in texts if FAILURE_HINT_RE.search(t)]
        return (hints or texts or [''])[0]


def outcomes(doc):
    out = []
    for child in doc.children:
        _walk(child, (), out)
    _add_missing(doc, (), out)
    return out


def _walk(test, prefix, out):
    path = prefix + (test.name or f'<test #{test.number}>',)
    note = ('no result line' if test.ok is None else
            test.directive if test.skipped() else '')
    if not test.children and test.plan is None:
        out.append(Outcome(path, _leaf_status(test), test.diags, note))
        return
    first = len(out)
    for child in test.children:
        _walk(child, path, out)
    _add_missing(test, path, out)
    child_failed = any(o.status == 'fail' for o in out[first:])
    if not child_failed and _leaf_status(test) == 'fail':
        out.append(Outcome(path, 'fail', test.diags, note))   # e.g. suite crashed


def _leaf_status(test):
    if test.skipped():
        return 'skip'
    return 'pass' if test.ok else 'fail'


def _add_missing(test, path, out):
    """Failures for the results the plan promised but the log lacks."""
    note = 'no result (guest crashed, hung or was killed?)'
    last_words = test.trailing      # e.g. what the hung test printed last
    for k in range(len(test.children) + 1, (test.plan or 0) + 1):
        out.append(Outcome(path + (f'<missing test #{k}>',), 'fail', last_words,
                           f'{note}, last diagnostic: {last_words[-1]}'
                           if last_words else note))
        last_words = []


# ------------------------------------------------------------------- splats

@dataclass
class Splat:
    no: int                      # line number of its first line
    lines: list


def find_splats(lines):
    """Every splat-start line starts a splat: blocks stop before the next."""
    return [Splat(line.no, splat_block(lines, i))
            for i, line in enumerate(lines) if SPLAT_RE.match(line.text)]


def splat_block(lines, start):
    """The lines of the splat whose first line is lines[start].

    A kernel (timestamped) splat skips untimed lines: userspace output
    printed while the report was being written is not part of it."""
    first = lines[start]
    kind = ('kasan' if first.text.startswith('BUG: KASAN:') else
            'leak' if 'unreferenced object' in first.text else
            'line' if first.text.startswith('kmemleak:') else
            'rcu' if first.text.startswith('rcu:') else 'report')
    block, in_trace = [first.text], False
    for line in itertools.islice(lines, start + 1, start + 1 + MAX_BLOCK_SCAN):
        if kind == 'line' or len(block) >= MAX_BLOCK_LINES:
            break
        if first.timed and not line.timed:
            continue
        stop = _block_stop(kind, line.text, in_trace)
        if stop == 'before':
            break
        block.append(line.text)
        if stop == 'after':
            break
        in_trace = in_trace or line.text.startswith('Call Trace:')
    while block[-1] == '':
        block.pop()
    return block


def _block_stop(kind, text, in_trace):
    """'before'/'after' if text ends the block (excluded/included), else None."""
    parsed = classify(text)
    if SPLAT_RE.match(text) or (parsed and parsed[1] in ('version', 'plan', 'result')):
        return 'before'
    if kind == 'kasan':
        return 'after' if KASAN_END_RE.match(text) else None
    if kind == 'leak':
        return None if text.removeprefix('kmemleak: ').startswith((' ', '\t')) else 'before'
    if END_MARK_RE.match(text):
        return 'after'
    if in_trace and text and not text[0].isspace() and not (
            kind == 'rcu' and text.startswith('rcu:')):
        return 'before'
    return None


# ------------------------------------------------------------------ verdict

@dataclass
class Guest:
    """One guest's console. A run boots one guest, or several side by side
    whose logs make one verdict."""
    log: str
    lines: list
    exit_code: object = None     # int, 'none' (killed) or None (not known)
    name: str = 'guest'          # 'guest' alone, else 'guest 2' and so on


@dataclass
class Verdict:
    results: list
    splats: list                 # (Guest, Splat) pairs
    problems: list
    exit_codes: list
    boot_seconds: float | None = None      # the slowest guest's
    suite_seconds: dict = field(default_factory=dict)

    def count(self, status):
        return sum(o.status == status for o in self.results)

    @property
    def failed(self):
        return self.count('fail') + (not self.results)

    @property
    def passed(self):
        return not (self.failed or self.splats or self.problems)


def judge(guests):
    results = [o for g in guests for doc in parse_ktap(g.lines) for o in outcomes(doc)]
    problems = [] if results else ['no test results']
    for g in guests:
        if g.exit_code == 'none':
            problems.append(f'{g.name} did not finish: no exit status (killed by timeout?)')
        elif g.exit_code:
            problems.append(f'{g.name} exited with status {g.exit_code}')
    boots, suites = timings(guests)
    return Verdict(results, [(g, s) for g in guests for s in find_splats(g.lines)],
                   problems, [g.exit_code for g in guests],
                   max(boots) if boots else None, suites)


def timings(guests):
    """What each guest's init said of time: when its suites started (the
    boot), and how long each suite ran."""
    boots, suites = [], {}
    for g in guests:
        for line in g.lines:
            if line.timed:
                continue
            if m := INIT_START_RE.match(line.text):
                boots.append(float(m.group(1)))
            elif m := INIT_TOOK_RE.match(line.text):
                suites[m.group(1)] = float(m.group(2))
    return boots, suites


# ----------------------------------------------------------------- decoding

def decode_splats(verdict, vmlinux, srctree, limit=MAX_SPLATS_SHOWN):
    """The first `limit` splats, their blocks decoded when vmlinux is given:
    (first line, block lines, note) each; a note says why a block is raw."""
    out = []
    for _, splat in verdict.splats[:limit]:
        block, note = splat.lines[1:], None
        if block and vmlinux:
            block, note = decode(block, vmlinux, srctree)
        out.append((splat.lines[0], block, note))
    return out


def decode(block, vmlinux, srctree):
    """(lines, note): the block through decode_stacktrace.sh, or raw + why.
    The script finds the tree's path in the debug info itself ("auto"): it
    is not srctree when the build mapped it (the Makefile's PREFIX_MAPS)."""
    script = Path(srctree) / 'scripts' / 'decode_stacktrace.sh'
    if not script.is_file():
        return block, f'(not decoded: {script} not found)'
    try:
        run = subprocess.run(['bash', str(script), vmlinux, 'auto'],
                             input='\n'.join(block) + '\n', capture_output=True,
                             text=True, timeout=DECODE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        return block, f'(not decoded: {err})'
    if run.returncode or not run.stdout.strip():
        why = (run.stderr.strip().splitlines() or [''])[-1]
        return block, f'(not decoded: decode_stacktrace.sh exited {run.returncode} {why})'
    return run.stdout.rstrip('\n').split('\n'), None


# ------------------------------------------------------------------- report

def report(verdict, label, shown):
    """The verdict as text; `shown` is what decode_splats() made of it."""
    out = []
    for o in verdict.results:
        if o.status == 'fail':
            msg = o.message()
            out.append(f'FAIL {o.name}: {msg}' if msg else f'FAIL {o.name}')
    for first, block, note in shown:
        out.append(f'SPLAT {first}')
        out.extend(f'  {ln}'.rstrip() for ln in block)
        if note:
            out.append('  ' + note)
    hidden = verdict.splats[len(shown):]
    if hidden:
        logs = ', '.join(dict.fromkeys(g.log for g, _ in hidden))
        out.append(f'... and {len(hidden)} more splats (see {logs})')
    out.extend(f'ERROR {p}' for p in verdict.problems)
    out.append(f'{label}: {verdict.count("pass")} passed, '
               f'{verdict.failed} failed, {verdict.count("skip")} skipped')
    return out


def summary(verdict, label):
    """The verdict as data, in the one format that make check sums and
    run.sh balances parallel guests with (suite_seconds)."""
    return {
        'label': label,
        'verdict': 'pass' if verdict.passed else 'fail',
        'passed': verdict.count('pass'),
        'failed': verdict.failed,
        'skipped': verdict.count('skip'),
        'splats': len(verdict.splats),
        'problems': verdict.problems,
        'boot_seconds': verdict.boot_seconds,
        'suite_seconds': verdict.suite_seconds,
    }


def junit(verdict, label):
    root = ET.Element('testsuites', name=label)
    suites = {}
    for o in verdict.results:
        suite = suites.setdefault(o.path[0], [])
        suite.append((o.status, '.'.join(o.path[1:]) or o.path[0],
                      o.message(), o.diags or [o.message()]))
    kernel = [('fail' if verdict.splats else 'pass', 'splats',
               f'{len(verdict.splats)} kernel splat(s)',
               [f'{g.log}:{s.no}: {s.lines[0]}' for g, s in verdict.splats])]
    exit_problems = [p for p in verdict.problems if p.startswith('guest')]
    if any(code is not None for code in verdict.exit_codes):
        kernel.append(('fail' if exit_problems else 'pass', 'exit',
                       ''.join(exit_problems[:1]), exit_problems))
    if not verdict.results:
        kernel.append(('fail', 'results', 'no test results', []))
    suites.setdefault('kernel', []).extend(kernel)
    for name, cases in suites.items():
        _junit_suite(root, label, name, cases)
    for attr in ('tests', 'failures', 'skipped'):
        root.set(attr, str(sum(int(s.get(attr)) for s in root)))
    return ET.ElementTree(root)


def _junit_suite(root, label, name, cases):
    suite = ET.SubElement(root, 'testsuite', name=_xml(name), tests=str(len(cases)),
                          failures=str(sum(c[0] == 'fail' for c in cases)),
                          skipped=str(sum(c[0] == 'skip' for c in cases)))
    for status, test, message, diags in cases:
        case = ET.SubElement(suite, 'testcase', classname=_xml(f'{label}.{name}'),
                             name=_xml(test))
        if status == 'fail':
            ET.SubElement(case, 'failure', message=_xml(message)).text = _xml('\n'.join(diags))
        elif status == 'skip':
            ET.SubElement(case, 'skipped', message=_xml(message))


def _xml(text):
    """Text without the characters XML 1.0 cannot carry."""
    return XML_INVALID_RE.sub('?', text)


# --------------------------------------------------------------------- main

def exit_code_arg(value):
    if value == 'none':
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not an exit status or "none": {value}')


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('logs', nargs='+', metavar='LOG',
                    help='guest console log; one per guest when several ran side by side')
    ap.add_argument('--label', default='results', help='word before the closing counts')
    ap.add_argument('--junit', metavar='FILE', help='also write JUnit XML here')
    ap.add_argument('--summary', metavar='FILE', help='also write the verdict as JSON here')
    ap.add_argument('--exit-code', type=exit_code_arg, metavar='N|none', action='append',
                    help='guest (UML process) exit status, "none" if it was killed; '
                         'once per LOG, in order')
    ap.add_argument('--vmlinux', help='vmlinux for decode_stacktrace.sh')
    ap.add_argument('--srctree', help='kernel source tree for decode_stacktrace.sh')
    args = ap.parse_args(argv)
    if bool(args.vmlinux) != bool(args.srctree):
        ap.error('--vmlinux and --srctree go together')
    if args.exit_code and len(args.exit_code) != len(args.logs):
        ap.error(f'{len(args.logs)} LOGs but {len(args.exit_code)} --exit-code')
    args.label = re.sub(r'\s+', '-', args.label.strip()).rstrip(':') or 'results'
    return args


def main(argv=None):
    args = parse_args(argv)
    codes = args.exit_code or [None] * len(args.logs)
    guests = []
    for i, (log, code) in enumerate(zip(args.logs, codes), 1):
        try:
            lines = read_log(log)
        except OSError as err:
            print(f'console.py: {err}', file=sys.stderr)
            return 2
        guests.append(Guest(log, lines, code, f'guest {i}' if len(args.logs) > 1 else 'guest'))
    verdict = judge(guests)
    shown = decode_splats(verdict, args.vmlinux, args.srctree)
    print('\n'.join(report(verdict, args.label, shown)))
    if args.junit:
        tree = junit(verdict, args.label)
        ET.indent(tree)
        tree.write(args.junit, encoding='utf-8', xml_declaration=True)
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary(verdict, args.label), indent=1) + '\n')
    return 0 if verdict.passed else 1


if __name__ == '__main__':
    sys.exit(main())
