#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run one long build step and show that it is alive.

usage: progress.py STEP [--label TEXT] [--count REGEX] [--hide REGEX]
                   [--unit WORD] [--total N] [--log FILE] [--every S]
                   -- COMMAND...

Runs COMMAND with its stdout and stderr merged. A line matching --count
(kbuild's "  CC      kernel/fork.o") is counted, not shown; one matching
--hide is not shown either; any other line is shown at once (warnings,
errors, what the step says it does), or only written to --log when a log
is given. Every --every seconds (default 15) a
status line says how far the step got:

    kernel default: 1834/2960 objects, 4:10

On a terminal it is redrawn in place; otherwise (CI logs) it is a plain
line. A step that ran longer than one interval ends with one line saying
what it did in how long. With a log, a failure prints the log's last lines
and where the whole log is.

Each run appends "STEP SECONDS" to the file named by $RHB_STEPS, if set:
run.sh reads it to say where the time went. Exit status: COMMAND's.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

LOG_TAIL = 25


def clock(seconds):
    seconds = int(seconds)
    return f'{seconds // 60}:{seconds % 60:02d}'


class Status:
    """The step's counters and its status line, shared by two threads."""

    def __init__(self, args):
        self.args = args
        self.label = args.label or args.step
        self.count = 0
        self.last = ''            # the last shown line: what the step is doing
        self.start = time.monotonic()
        self.beats = 0
        self.tty = sys.stdout.isatty()
        self.drawn = False
        self.lock = threading.Lock()

    def text(self):
        elapsed = clock(time.monotonic() - self.start)
        if self.args.count:
            total = f'/{self.args.total}' if self.args.total else ''
            return f'{self.label}: {self.count}{total} {self.args.unit}, {elapsed}'
        return f'{self.label}: {elapsed}' + (f' ({self.last})' if self.last else '')

    def _clear(self):
        if self.drawn:
            sys.stdout.write('\r\033[K')
            self.drawn = False

    def show(self, line):
        with self.lock:
            self._clear()
            sys.stdout.write(line + '\n')
            sys.stdout.flush()
            self.last = line.strip()[:100]

    def beat(self):
        with self.lock:
            self.beats += 1
            self._clear()
            if self.tty:
                sys.stdout.write(self.text()[:os.get_terminal_size().columns - 1])
                self.drawn = True
            else:
                sys.stdout.write(self.text() + '\n')
            sys.stdout.flush()

    def finish(self, status):
        with self.lock:
            self._clear()
            if self.beats and status == 0:
                what = f'{self.count} {self.args.unit}' if self.args.count else 'done'
                print(f'{self.label}: {what} in {clock(time.monotonic() - self.start)}')
            sys.stdout.flush()


def heartbeat(status, every, stop):
    while not stop.wait(every):
        status.beat()


def record(step, seconds):
    path = os.environ.get('RHB_STEPS')
    if path:
        with open(path, 'a', encoding='utf-8') as f:
            f.write(f'{step} {seconds:.1f}\n')


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    ap.add_argument('step', help='name of the step in $RHB_STEPS (kernel, tools, ...)')
    ap.add_argument('--label', help='what the status line calls the step (default STEP)')
    ap.add_argument('--count', type=re.compile, metavar='REGEX',
                    help='count the lines that match, do not show them')
    ap.add_argument('--hide', type=re.compile, metavar='REGEX',
                    help='do not show the lines that match')
    ap.add_argument('--unit', default='lines', help='what a counted line is')
    ap.add_argument('--total', type=int, help='how many counted lines to expect')
    ap.add_argument('--log', help='write the output here instead of showing it')
    ap.add_argument('--every', type=float, default=15, help='seconds between status lines')
    ap.add_argument('command', nargs='+', help='the step')
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    status = Status(args)
    log = open(args.log, 'w', encoding='utf-8') if args.log else None
    stop = threading.Event()
    beater = threading.Thread(target=heartbeat, args=(status, args.every, stop), daemon=True)
    beater.start()
    try:
        proc = subprocess.Popen(args.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors='replace')
    except OSError as err:
        print(f'progress.py: {args.command[0]}: {err.strerror}', file=sys.stderr)
        return 127
    for line in proc.stdout:
        line = line.rstrip('\n')
        if log:
            log.write(line + '\n')
            log.flush()
        if args.count and args.count.search(line):
            status.count += 1
        elif log or (args.hide and args.hide.search(line)):
            status.last = line.strip()[:100]
        else:
            status.show(line)
    rc = proc.wait()
    stop.set()
    beater.join()
    status.finish(rc)
    record(args.step, time.monotonic() - status.start)
    if log:
        log.close()
        if rc:
            with open(args.log, encoding='utf-8', errors='replace') as f:
                tail = f.read().splitlines()[-LOG_TAIL:]
            print('\n'.join(f'  {line}' for line in tail), file=sys.stderr)
            print(f'{status.label}: failed (exit {rc}); the whole log: {args.log}', file=sys.stderr)
    return rc


if __name__ == '__main__':
    sys.exit(main())
