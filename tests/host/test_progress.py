#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of tests/harness/progress.py: the status lines of long build steps.

A fake step (a shell loop) stands in for kbuild and apt-get. Output is not a
terminal here, so status lines are plain lines, as in CI logs.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

PROGRESS = Path(__file__).resolve().parent.parent / 'harness' / 'progress.py'

# Four objects compiled, a warning, a hidden line; 0.3 s between lines.
KBUILD_LIKE = ('for f in a b c d; do echo "  CC      kernel/$f.o"; sleep 0.3; done; '
               'echo "kernel/d.c:1:2: warning: unused variable"; echo "  LD      vmlinux"')


def progress(*args, env=None):
    run = subprocess.run([sys.executable, str(PROGRESS), *args], capture_output=True,
                         text=True, timeout=60, env={**os.environ, **(env or {})})
    return run.returncode, run.stdout.splitlines(), run.stderr


class TestProgress(unittest.TestCase):
    def test_counts_hides_and_shows(self):
        rc, out, _ = progress('kernel', '--label', 'kernel default', '--unit', 'objects',
                              '--count', r'^  CC ', '--hide', r'^  [A-Z]+ ', '--every', '0.5',
                              '--', 'sh', '-c', KBUILD_LIKE)
        self.assertEqual(rc, 0)
        self.assertIn('kernel/d.c:1:2: warning: unused variable', out)
        self.assertFalse([ln for ln in out if 'CC' in ln or 'LD' in ln], out)
        beats = [ln for ln in out if re.fullmatch(r'kernel default: \d objects, 0:0\d', ln)]
        self.assertGreaterEqual(len(beats), 1, out)
        self.assertEqual(out[-1], 'kernel default: 4 objects in 0:01')
        self.assertNotIn('\r', ''.join(out))

    def test_total_and_quiet_when_quick(self):
        rc, out, _ = progress('kernel', '--unit', 'objects', '--count', r'^  CC ',
                              '--total', '9', '--every', '0.5', '--', 'sh', '-c', KBUILD_LIKE)
        self.assertEqual(rc, 0)
        self.assertTrue(any(re.fullmatch(r'kernel: \d/9 objects, 0:0\d', ln) for ln in out), out)
        rc, out, _ = progress('tests', '--', 'true')
        self.assertEqual((rc, out), (0, []))

    def test_uncounted_step_says_what_it_does(self):
        rc, out, _ = progress('tree', '--every', '0.4', '--', 'sh', '-c',
                              'echo "tree.sh: unpacking the base"; sleep 1')
        self.assertEqual(rc, 0)
        self.assertEqual(out[0], 'tree.sh: unpacking the base')
        self.assertIn('tree: 0:00 (tree.sh: unpacking the base)', out)
        self.assertEqual(out[-1], 'tree: done in 0:01')

    def test_log_and_failure(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / 'apt.log'
            rc, out, err = progress('deps', '--log', str(log), '--', 'sh', '-c',
                                    'echo "Setting up x"; echo "E: no such package" >&2; exit 100')
            self.assertEqual(rc, 100)
            self.assertEqual(out, [])
            self.assertEqual(log.read_text(), 'Setting up x\nE: no such package\n')
            self.assertIn('  E: no such package', err)
            self.assertIn(f'deps: failed (exit 100); the whole log: {log}', err)

    def test_records_step_seconds(self):
        with tempfile.TemporaryDirectory() as tmp:
            steps = Path(tmp) / 'steps'
            progress('tools', '--', 'sleep', '0.2', env={'RHB_STEPS': str(steps)})
            progress('tools', '--', 'true', env={'RHB_STEPS': str(steps)})
            lines = steps.read_text().splitlines()
        self.assertEqual(len(lines), 2)
        name, seconds = lines[0].split()
        self.assertEqual(name, 'tools')
        self.assertGreaterEqual(float(seconds), 0.2)

    def test_missing_command(self):
        rc, _, err = progress('x', '--', '/nonexistent/cmd')
        self.assertEqual(rc, 127)
        self.assertIn('/nonexistent/cmd', err)


if __name__ == '__main__':
    unittest.main()
