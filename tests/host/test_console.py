#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of tests/harness/console.py against recorded guest console logs.

Run from anywhere: python3 tests/host/test_console.py (or python3 -m unittest).
Each log in test_data/ is a UML guest console log; NAME.out, where present,
is the exact expected stdout for that log (the arguments are in GOLDEN).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / 'test_data'
CONSOLE = HERE.parent / 'harness' / 'console.py'
CLOSING_RE = re.compile(r'^(\S+): (\d+) passed, (\d+) failed, (\d+) skipped$')

# Logs whose whole output is pinned in NAME.out, with the arguments used.
GOLDEN = {
    'one_fail': [],
    'warning_pass': [],
    'panic_midsuite': ['--exit-code', '134'],
    'hung_timeout': ['--exit-code', 'none'],
    'kunit_params': ['--label', 'kunit'],
}

UPDATE_EXIST_MSG = ('hash_ops.c:42: bpf_map_update_elem(...): expected -ENOENT, '
                    'got 0 (errno 0: Success)')


def run(log, *args):
    """(exit status, stdout lines) of console.py on a log in test_data/."""
    path = log if os.path.isabs(log) else str(DATA / log)
    proc = subprocess.run([sys.executable, str(CONSOLE), path, *args],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout.splitlines()


def failures(lines):
    """{name: message} of the FAIL lines."""
    out = {}
    for line in lines:
        if line.startswith('FAIL '):
            name, _, msg = line[5:].partition(': ')
            out[name] = msg
    return out


def splats(lines):
    """{first line: [block lines, unindented]} of the SPLAT reports."""
    out, current = {}, None
    for line in lines:
        if line.startswith('SPLAT '):
            current = out.setdefault(line[6:], [])
        elif current is not None and (line.startswith('  ') or not line):
            current.append(line[2:])
        else:
            current = None
    return out


class ConsoleTestCase(unittest.TestCase):
    def check(self, log, counts, status, fails=(), nsplats=0, args=(), label='results'):
        """Runs console.py; asserts counts, exit status, failures, splats."""
        rc, lines = run(log, *args)
        self.assertTrue(lines, f'{log}: no output')
        m = CLOSING_RE.match(lines[-1])
        self.assertIsNotNone(m, f'{log}: bad closing line {lines[-1]!r}')
        self.assertEqual(m.group(1), label)
        self.assertEqual(tuple(int(n) for n in m.groups()[1:]), counts, log)
        self.assertEqual(lines[-1], f'{label}: {counts[0]} passed, {counts[1]} failed, '
                                    f'{counts[2]} skipped')
        self.assertEqual(rc, status, f'{log}: exit status\n' + '\n'.join(lines))
        self.assertEqual(list(failures(lines)), list(fails), log)
        self.assertEqual(len(splats(lines)), nsplats, log)
        self.assertFalse(any('\r' in ln for ln in lines), log)
        return lines


class TestResults(ConsoleTestCase):
    def test_all_pass(self):
        lines = self.check('all_pass.log', (12, 0, 0), 0)
        self.assertEqual(lines, ['results: 12 passed, 0 failed, 0 skipped'])

    def test_one_failure_with_diagnostic(self):
        lines = self.check('one_fail.log', (10, 1, 0), 1, ['hash_ops.update_exist'])
        self.assertEqual(failures(lines)['hash_ops.update_exist'], UPDATE_EXIST_MSG)

    def test_crlf_line_endings(self):
        lines = self.check('crlf.log', (10, 1, 0), 1, ['hash_ops.update_exist'])
        self.assertEqual(failures(lines)['hash_ops.update_exist'], UPDATE_EXIST_MSG)

    def test_skip_and_todo_are_skipped(self):
        self.check('skip.log', (7, 0, 3), 0)

    def test_suite_crashed_after_last_test(self):
        lines = self.check('suite_crash.log', (12, 1, 0), 1, ['hash_ops'])
        self.assertEqual(failures(lines)['hash_ops'],
                         'exited on signal 11 (Segmentation fault)')

    def test_panic_mid_suite_misses_results(self):
        lines = self.check('panic_midsuite.log', (8, 3, 0), 1,
                           ['hash_ops.<missing test #2>', 'hash_ops.<missing test #3>',
                            '<missing test #2>'], nsplats=1)
        first, = splats(lines)
        self.assertEqual(first, 'Kernel panic - not syncing: Kernel mode fault at '
                                'addr 0x10, ip 0x6037a2c4')
        self.assertNotIn('ERROR guest exited', '\n'.join(lines))
        lines = self.check('panic_midsuite.log', (8, 3, 0), 1,
                           ['hash_ops.<missing test #2>', 'hash_ops.<missing test #3>',
                            '<missing test #2>'], nsplats=1, args=['--exit-code', '134'])
        self.assertIn('ERROR guest exited with status 134', lines)

    def test_hung_log_killed_by_timeout(self):
        lines = self.check('hung_timeout.log', (9, 2, 0), 1,
                           ['hash_ops.<missing test #3>', '<missing test #2>'],
                           args=['--exit-code', 'none'])
        # The last diagnostic of the hung suite says what it was doing.
        self.assertIn('resize_stress: inserting 1000000 keys',
                      failures(lines)['hash_ops.<missing test #3>'])
        self.assertIn('ERROR guest did not finish: no exit status (killed by timeout?)',
                      lines)

    def test_no_ktap_at_all(self):
        lines = self.check('no_ktap.log', (0, 1, 0), 1)
        self.assertEqual(lines[-2], 'ERROR no test results')

    def test_kunit_parameterized_nesting(self):
        lines = self.check('kunit_params.log', (8, 1, 4), 1,
                           ['rhash_kunit.rhash_kunit_resize.buckets=64'],
                           args=['--label', 'kunit'], label='kunit')
        self.assertEqual(failures(lines)['rhash_kunit.rhash_kunit_resize.buckets=64'],
                         'rhash_kunit_resize: EXPECTATION FAILED at '
                         'kernel/bpf/rhash_kunit.c:88')

    def test_bug_mid_line_is_no_splat(self):
        lines = self.check('bug_midline.log', (9, 1, 0), 1, ['hash_ops.lookup_bad'])
        self.assertIn('got BUG: nothing', failures(lines)['hash_ops.lookup_bad'])


class TestSplats(ConsoleTestCase):
    def test_warning_fails_passing_run(self):
        lines = self.check('warning_pass.log', (12, 0, 0), 1, nsplats=1)
        (first, block), = splats(lines).items()
        self.assertEqual(first, 'WARNING: CPU: 0 PID: 57 at kernel/bpf/rhashtab.c:412 '
                                'rhash_map_delete_elem+0x1f2/0x240')
        # Without --vmlinux the raw block is printed, indented by 2.
        self.assertEqual(block[0], 'Modules linked in:')
        self.assertIn(' [<60379f42>] rhash_map_delete_elem+0x1f2/0x240', block)
        self.assertEqual(block[-1], '---[ end trace 0000000000000000 ]---')
        self.assertIn('  ---[ end trace 0000000000000000 ]---', lines)

    def test_kasan_report(self):
        lines = self.check('kasan.log', (12, 0, 0), 1, nsplats=1)
        (first, block), = splats(lines).items()
        self.assertEqual(first, 'BUG: KASAN: slab-use-after-free in '
                                'rhash_map_lookup_elem+0x8c/0x1a0')
        self.assertIn('Freed by task 0:', block)
        self.assertIn('Memory state around the buggy address:', block)
        self.assertEqual(block[-1], '=' * 66)
        # Userspace output printed meanwhile is not part of the report.
        self.assertNotIn('    ok 1 lookup', block)
        self.assertNotIn('Disabling lock debugging due to kernel taint', block)

    def test_lockdep_report(self):
        lines = self.check('lockdep.log', (12, 0, 0), 1, nsplats=1)
        (first, block), = splats(lines).items()
        self.assertEqual(first, 'WARNING: possible circular locking dependency detected')
        self.assertIn(' *** DEADLOCK ***', block)
        self.assertEqual(block[-1], ' [<6003b2d6>] fork_handler+0x86/0x90')
        self.assertLess(len(block), 100)

    def test_kmemleak_report(self):
        lines = self.check('kmemleak.log', (12, 0, 0), 1, nsplats=3)
        found = splats(lines)
        self.assertEqual(list(found), [
            'kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
            'unreferenced object 0x000000006a5f3c00 (size 64):',
            'unreferenced object 0x000000006a7e0800 (size 1024):'])
        block = found['unreferenced object 0x000000006a7e0800 (size 1024):']
        self.assertEqual(block[0], '  comm "hash_ops", pid 57, jiffies 4294937415')
        self.assertEqual(block[-1], '    fork_handler+0x86/0x90')

    def test_rcu_stall(self):
        lines = self.check('rcu_stall.log', (12, 0, 0), 1, nsplats=1)
        (first, block), = splats(lines).items()
        self.assertEqual(first, 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:')
        self.assertIn(' [<6037bd3e>] rhash_rehash_bucket+0xde/0x1d0', block)
        self.assertTrue(block[-1].startswith('rcu: \tUnless rcu_preempt kthread'))

    def test_at_most_five_splats_in_full(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / 'many.log'
            text = (DATA / 'all_pass.log').read_text()
            warn = ''.join(
                f'[    1.{i:06d}] WARNING: CPU: 0 PID: 1 at lib/foo.c:{i} bar+0x1/0x2\n'
                f'[    1.{i:06d}] ---[ end trace 0000000000000000 ]---\n' for i in range(7))
            log.write_text(text + warn)
            lines = self.check(str(log), (12, 0, 0), 1, nsplats=5)
            self.assertIn(f'... and 2 more splats (see {log})', lines)


class TestOptions(ConsoleTestCase):
    def test_exit_code(self):
        self.check('all_pass.log', (12, 0, 0), 0, args=['--exit-code', '0'])
        lines = self.check('all_pass.log', (12, 0, 0), 1, args=['--exit-code', '3'])
        self.assertEqual(lines[-2], 'ERROR guest exited with status 3')
        lines = self.check('all_pass.log', (12, 0, 0), 1, args=['--exit-code', 'none'])
        self.assertEqual(lines[-2],
                         'ERROR guest did not finish: no exit status (killed by timeout?)')

    def test_label(self):
        self.check('all_pass.log', (12, 0, 0), 0, args=['--label', 'kasan'], label='kasan')

    def test_usage_errors(self):
        for args in (['--exit-code', 'x'], ['--vmlinux', 'vmlinux'], ['--bogus']):
            self.assertEqual(run('all_pass.log', *args)[0], 2, args)
        self.assertEqual(run('does_not_exist.log')[0], 2)

    def test_junit(self):
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / 'junit.xml'
            self.check('one_fail.log', (10, 1, 0), 1, ['hash_ops.update_exist'],
                       args=['--junit', str(xml), '--exit-code', '0', '--label', 'default'],
                       label='default')
            root = ET.parse(xml).getroot()
        self.assertEqual(root.tag, 'testsuites')
        suites = {s.get('name'): s for s in root.iter('testsuite')}
        self.assertEqual(list(suites),
                         ['hashtable', 'rhash_kunit', 'hash_ops', 'hash_prog', 'kernel'])
        counts = {n: (s.get('tests'), s.get('failures'), s.get('skipped'))
                  for n, s in suites.items()}
        self.assertEqual(counts['hash_ops'], ('3', '1', '0'))
        self.assertEqual(counts['kernel'], ('2', '0', '0'))
        self.assertEqual((root.get('tests'), root.get('failures'), root.get('skipped')),
                         ('13', '1', '0'))
        case, = [c for c in root.iter('testcase') if c.find('failure') is not None]
        self.assertEqual((case.get('classname'), case.get('name')),
                         ('default.hash_ops', 'update_exist'))
        self.assertEqual(case.find('failure').get('message'), UPDATE_EXIST_MSG)

    def test_junit_kernel_suite(self):
        with tempfile.TemporaryDirectory() as tmp:
            xml = Path(tmp) / 'junit.xml'
            run('warning_pass.log', '--junit', str(xml), '--exit-code', 'none')
            kernel, = [s for s in ET.parse(xml).getroot() if s.get('name') == 'kernel']
        cases = {c.get('name'): c for c in kernel}
        self.assertIn('WARNING: CPU: 0 PID: 57', cases['splats'].find('failure').text)
        self.assertIn('did not finish', cases['exit'].find('failure').get('message'))
        self.assertEqual(kernel.get('failures'), '2')

    def test_decode_script_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            lines = self.check('warning_pass.log', (12, 0, 0), 1, nsplats=1,
                               args=['--vmlinux', f'{tmp}/vmlinux', '--srctree', tmp])
        block = splats(lines)[lines[0][6:]]
        self.assertIn('---[ end trace 0000000000000000 ]---', block)
        self.assertTrue(block[-1].startswith('(not decoded: '), block[-1])

    def test_decode_through_script(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / 'scripts' / 'decode_stacktrace.sh'
            script.parent.mkdir()
            script.write_text('#!/bin/sh\n[ "$2" = auto ] || exit 3\n'
                              'sed "s/\\$/ [decoded with $(basename $1)]/"\n')
            lines = self.check('warning_pass.log', (12, 0, 0), 1, nsplats=1,
                               args=['--vmlinux', f'{tmp}/vmlinux', '--srctree', tmp])
            block = splats(lines)[lines[0][6:]]
            self.assertEqual(block[-1], '---[ end trace 0000000000000000 ]--- '
                                        '[decoded with vmlinux]')
            script.write_text('#!/bin/sh\necho "addr2line: not found" >&2\nexit 1\n')
            lines = run('warning_pass.log', '--vmlinux', 'v', '--srctree', tmp)[1]
            block = splats(lines)[lines[0][6:]]
            self.assertEqual(block[-2], '---[ end trace 0000000000000000 ]---')
            self.assertIn('addr2line: not found', block[-1])


class TestSeveralGuests(ConsoleTestCase):
    """Guests booted side by side: one verdict over all their consoles."""

    def test_logs_merge_into_one_verdict(self):
        lines = self.check('all_pass.log', (22, 1, 0), 1, ['hash_ops.update_exist'],
                           args=[str(DATA / 'one_fail.log'), '--exit-code', '0',
                                 '--exit-code', '0'])
        self.assertEqual(failures(lines)['hash_ops.update_exist'], UPDATE_EXIST_MSG)

    def test_each_guest_exit_status(self):
        lines = self.check('all_pass.log', (24, 0, 0), 1,
                           args=[str(DATA / 'all_pass.log'), '--exit-code', '0',
                                 '--exit-code', 'none'])
        self.assertEqual(lines[-2],
                         'ERROR guest 2 did not finish: no exit status (killed by timeout?)')
        self.assertEqual(run('all_pass.log', 'all_pass.log', '--exit-code', '0')[0], 2)

    def test_summary_and_timings(self):
        with tempfile.TemporaryDirectory() as tmp:
            logs = []
            for i, (boot, took) in enumerate(((0.61, 2.5), (0.93, 7.25))):
                log = Path(tmp) / f'console-{i}.log'
                log.write_text(f'init: suites start at {boot} s\n'
                               + (DATA / 'all_pass.log').read_text()
                               + f'init: suite{i} took {took} s\n'
                               + '[    9.100000] init: suite9 took 1.00 s\n')
                logs.append(str(log))
            summary = Path(tmp) / 'summary.json'
            self.check(logs[0], (24, 0, 0), 0, label='default',
                       args=[logs[1], '--label', 'default', '--summary', str(summary)])
            doc = json.loads(summary.read_text())
        self.assertEqual(doc, {'label': 'default', 'verdict': 'pass', 'passed': 24,
                               'failed': 0, 'skipped': 0, 'splats': 0, 'problems': [],
                               'boot_seconds': 0.93,
                               'suite_seconds': {'suite0': 2.5, 'suite1': 7.25}})

    def test_summary_of_a_failure(self):
        with tempfile.TemporaryDirectory() as tmp:
            summary = Path(tmp) / 'summary.json'
            self.check('warning_pass.log', (12, 0, 0), 1, nsplats=1,
                       args=['--summary', str(summary), '--exit-code', '3'])
            doc = json.loads(summary.read_text())
        self.assertEqual((doc['verdict'], doc['splats'], doc['problems']),
                         ('fail', 1, ['guest exited with status 3']))
        self.assertIsNone(doc['boot_seconds'])


class TestGolden(unittest.TestCase):
    def test_golden_outputs(self):
        for name, args in GOLDEN.items():
            with self.subTest(log=name):
                expected = (DATA / f'{name}.out').read_text().splitlines()
                self.assertEqual(run(f'{name}.log', *args)[1], expected)


if __name__ == '__main__':
    unittest.main()
