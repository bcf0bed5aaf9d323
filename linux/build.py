#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build the kernel of one variant: kbuild, without its tree walk when it
is not needed.

usage: linux/build.py [--full] TREE OUTDIR -- MAKE...

MAKE is the kbuild command line (make -C TREE O=OUTDIR ARCH=um ...) without
a target. After a build that worked, OUTDIR/.rhb-build records when it
started, the command, and an index from every source file to the objects
built from it (kbuild's .cmd files). The next build starts from what
changed in TREE since then (mtime, as kbuild judges):

  - nothing: the kernel is up to date, and no make runs at all;
  - only sources of objects linked into vmlinux: each such object is
    recompiled with the very command kbuild recorded for it, its .cmd
    rewritten by fixdep as kbuild does, and the link runs as the top
    Makefile runs it after its directory walk: its sub-makes (vmlinux.o,
    modpost, vmlinux, modules) in the environment it gives them, saved
    after the last full build. The walk and the parse of the top Makefile
    are 6 of the 16 s of a one-file rebuild on a 2-CPU machine;
  - anything else (a Makefile, Kconfig, a new or deleted source, a header
    that a generated file or a module depends on, another command line,
    .config), or --full: kbuild as usual, "make all".

Prints kbuild's quiet lines ("  CC      kernel/bpf/rhashtab.o") for what it
compiles itself. Exit status: make's, or the failed compile's.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

STATE = '.rhb-build'
# Run by the top Makefile after a full build: the environment it exports
# to its sub-makes, with what it adds for vmlinux. LDFLAGS_vmlinux too.
ENV_MAKEFILE = '''rhb-env: export LDFLAGS_vmlinux := $(LDFLAGS_vmlinux)
rhb-env:
	@env -0 > .rhb-env
'''
# The sub-makes the top Makefile runs for "all" once the walk is done, in
# order; then arch/um links "linux" to vmlinux.
LINK_MAKEFILES = ('Makefile.vmlinux_o', 'Makefile.modpost', 'Makefile.vmlinux',
                  'Makefile.modfinal')
# What the current environment, not the saved one, decides.
OWN_ENV = ('PATH', 'HOME', 'TERM', 'TMPDIR', 'LANG', 'LC_ALL')
SAVEDCMD_RE = re.compile(r'^savedcmd_(\S+) := (.*)$')
SOURCE_RE = re.compile(r'^source_(\S+) := (.*)$')
# kbuild steps beyond compile + fixdep that this config must not need, or
# recompiling an object by its recorded command would not be all of it.
EXTRA_STEP_OPTIONS = ('CONFIG_MODVERSIONS=y', 'CONFIG_OBJTOOL=y',
                      'CONFIG_FTRACE_MCOUNT_USE_RECORDMCOUNT=y', 'CONFIG_LTO_CLANG=y')


def say(text):
    print(f'build.py: {text}', flush=True)


def parse_cmd_file(path, out):
    """(target, make-escaped command, [dependency paths]) of a .cmd file."""
    target = cmd = None
    deps = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if m := SAVEDCMD_RE.match(line):
                target, cmd = m.group(1), m.group(2).rstrip('\n')
            elif m := SOURCE_RE.match(line):
                deps.append(m.group(2).strip())
            elif line.startswith('  ') and not line.lstrip().startswith('$('):
                dep = line.strip().rstrip('\\').strip()
                if dep:
                    deps.append(dep)
    real = [os.path.normpath(d if os.path.isabs(d) else os.path.join(out, d)) for d in deps]
    return target, cmd, real


def linked_objects(out):
    """The objects vmlinux and its libraries link, from the thin archives."""
    objs = set()
    for archive in ('vmlinux.a', 'lib/lib.a'):
        if (Path(out) / archive).exists():
            listing = subprocess.run(['ar', 't', archive], cwd=out, capture_output=True,
                                     text=True, check=True).stdout.split()
            objs.update(os.path.normpath(o) for o in listing)
    return objs


def make_index(out):
    """{source file: [objects linked into vmlinux built from it]}; objects
    of anything else (modules, generated headers, scripts) map to None."""
    linked = linked_objects(out)
    index = {}
    for cmd_file in Path(out).rglob('.*.cmd'):
        if 'tools' in cmd_file.relative_to(out).parts[:1]:
            continue
        target, cmd, deps = parse_cmd_file(cmd_file, out)
        if not target or not cmd:
            continue
        target = os.path.normpath(target)
        plain = target.endswith('.o') and target in linked
        for dep in deps:
            objs = index.setdefault(dep, [])
            if objs is not None:
                index[dep] = objs + [target] if plain else None
    return index


def unescape(make_cmd):
    """A command as kbuild saved it for make ($$, $(pound)) as the shell runs it."""
    return re.sub(r'\$\$|\$\(pound\)', lambda m: '$' if m.group() == '$$' else '#', make_cmd)


def compile_object(out, obj):
    """Recompiles obj as kbuild's rule_cc_o_c / rule_as_o_S do: the recorded
    command, then fixdep into the .cmd file."""
    cmd_file = Path(out) / os.path.dirname(obj) / f'.{os.path.basename(obj)}.cmd'
    target, make_cmd, _ = parse_cmd_file(cmd_file, out)
    if target != obj or not make_cmd:
        return f'{cmd_file} does not say how {obj} was built'
    kind = 'AS' if re.search(r'(^|\s)-D__ASSEMBLY__(\s|$)', make_cmd) else 'CC'
    print(f'  {kind:<7} {obj}', flush=True)
    depfile = Path(out) / os.path.dirname(obj) / f'.{os.path.basename(obj)}.d'
    run = subprocess.run(['bash', '-c', f'set -e; {unescape(make_cmd)}'], cwd=out)
    if run.returncode:
        return f'compiling {obj} failed (exit {run.returncode})'
    with open(f'{cmd_file}.tmp', 'w', encoding='utf-8') as f:
        fix = subprocess.run(['scripts/basic/fixdep', str(depfile), obj, make_cmd], cwd=out,
                             stdout=f)
    if fix.returncode:
        return f'fixdep failed for {obj}'
    depfile.unlink(missing_ok=True)
    os.replace(f'{cmd_file}.tmp', cmd_file)
    return None


def touch_archives(out, objects):
    """Makes the thin archives that hold the objects, up to the top one,
    newer than them, as kbuild's walk would have rewritten them: kbuild
    relinks vmlinux now, and finds them up to date later."""
    dirs = set()
    for obj in objects:
        d = os.path.dirname(obj)
        while d:
            dirs.add(d)
            d = os.path.dirname(d)
    for d in sorted(dirs, key=lambda d: -d.count('/')) + ['.']:
        for archive in ('lib.a', 'built-in.a'):
            path = Path(out) / d / archive
            if path.exists():
                os.utime(path)


def changed_since(tree, stamp):
    """Files of the tree modified after stamp (seconds), .git aside."""
    find = subprocess.run(['find', tree, '-path', f'{tree}/.git', '-prune', '-o', '-type', 'f',
                           '-newermt', f'@{stamp}', '-print'],
                          capture_output=True, text=True, check=True)
    return [os.path.normpath(p) for p in find.stdout.split('\n') if p]


def build_command(make):
    """What of the make command line decides the build (not its verbosity)."""
    return [a for a in make if not re.fullmatch(r'V=.*|-s|--no-print-directory', a)]


def plan(tree, out, command, state):
    """(objects to recompile, why not) for the fast path; why not is None
    when the fast path applies, and objects may be empty (up to date)."""
    if not state or 'env' not in state:
        return None, 'no record of an earlier build'
    if state.get('command') != build_command(command):
        return None, 'the make command changed'
    vmlinux = Path(out) / 'vmlinux'
    if not vmlinux.exists() or (Path(out) / '.config').stat().st_mtime > state['started']:
        return None, 'no vmlinux, or .config changed'
    config = (Path(out) / '.config').read_text().splitlines()
    if extra := [o for o in EXTRA_STEP_OPTIONS if o in config]:
        return None, f'{extra[0]}: objects take more steps than their command'
    index = state['index']
    gone = next((src for src in index if not os.path.exists(src)), None)
    if gone:
        return None, f'{gone} is gone'
    objects = set()
    for path in changed_since(tree, state['started']):
        objs = index.get(path, [])
        if not objs:
            rel = os.path.relpath(path, tree)
            return None, (f'{rel} changed, which ' +
                          ('no object of vmlinux is built from' if objs == [] else
                           'something other than an object of vmlinux depends on'))
        objects.update(objs)
    return sorted(objects), None


def kbuild_env(out, make):
    """The environment the top Makefile gives its sub-makes, for these
    make variables (CC=, LD=, KCFLAGS=...)."""
    variables = [a for a in make if '=' in a and not a.startswith(('-', 'O=', 'V='))]
    Path(out, '.rhb-env.mk').write_text(ENV_MAKEFILE)
    subprocess.run(['make', '--no-print-directory', '-C', out, '-f', 'Makefile',
                    '-f', '.rhb-env.mk', *variables, 'rhb-env'], check=True)
    data = Path(out, '.rhb-env').read_bytes().decode()
    return dict(kv.split('=', 1) for kv in data.split('\0') if '=' in kv)


def link(out, saved_env, verbose):
    """What "make all" does after its walk: vmlinux.o, modpost, vmlinux,
    modules, and arch/um's hard link "linux"."""
    env = {k: v for k, v in saved_env.items() if k not in OWN_ENV}
    env.update({k: os.environ[k] for k in OWN_ENV if k in os.environ})
    if verbose:                         # what V=1 makes the top Makefile export
        env.update(KBUILD_VERBOSE='1', quiet='', Q='')
    os.utime(Path(out) / 'vmlinux.a')
    for makefile in LINK_MAKEFILES:
        run = subprocess.run(['make', '-f', f"{env['srctree']}/scripts/{makefile}"], cwd=out,
                             env=env)
        if run.returncode:
            return run.returncode
    print('  LINK    linux', flush=True)
    os.replace(Path(out) / 'vmlinux', Path(out) / 'vmlinux.tmp')
    os.link(Path(out) / 'vmlinux.tmp', Path(out) / 'linux.tmp')
    os.replace(Path(out) / 'vmlinux.tmp', Path(out) / 'vmlinux')
    os.replace(Path(out) / 'linux.tmp', Path(out) / 'linux')
    return 0


def load_state(out):
    try:
        return json.loads((Path(out) / STATE).read_text())
    except (OSError, ValueError):
        return None


def save_state(out, command, started, index, env):
    tmp = Path(out) / f'{STATE}.tmp'
    tmp.write_text(json.dumps({'command': build_command(command), 'started': started,
                               'index': index, 'env': env}))
    os.replace(tmp, Path(out) / STATE)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--full', action='store_true', help="always run kbuild's whole build")
    ap.add_argument('tree')
    ap.add_argument('out')
    ap.add_argument('make', nargs='+', help='the kbuild command line, no target')
    args = ap.parse_args(argv)
    # kbuild runs as from a shell, whatever the make above us was told (-s):
    # its quiet lines are what tests/harness/progress.py counts.
    for var in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'):
        os.environ.pop(var, None)
    tree, out = os.path.realpath(args.tree), os.path.realpath(args.out)
    started = time.time()
    state = load_state(out)
    objects, why = (None, '--full') if args.full else plan(tree, out, args.make, state)
    if objects == []:
        return 0
    if objects:
        say(f'{len(objects)} object(s) to rebuild ({", ".join(objects[:3])}'
            f'{", ..." if len(objects) > 3 else ""}): relinking without the tree walk')
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            errors = [e for e in pool.map(lambda o: compile_object(out, o), objects) if e]
        if errors:
            say(errors[0])
            return 1
        touch_archives(out, objects)
        if rc := link(out, state['env'], 'V=1' in args.make):
            return rc
        index = state['index']
        for cmd_file_obj in objects:
            _, _, deps = parse_cmd_file(Path(out) / os.path.dirname(cmd_file_obj) /
                                        f'.{os.path.basename(cmd_file_obj)}.cmd', out)
            for dep in deps:
                objs = index.setdefault(dep, [])
                if objs is not None and cmd_file_obj not in objs:
                    index[dep] = objs + [cmd_file_obj]
        save_state(out, args.make, started, index, state['env'])
        return 0
    if state:
        say(f'kbuild walks the tree: {why}')
    run = subprocess.run(args.make + ['all'])
    if run.returncode:
        return run.returncode
    save_state(out, args.make, started, make_index(out), kbuild_env(out, args.make))
    return 0


if __name__ == '__main__':
    sys.exit(main())
