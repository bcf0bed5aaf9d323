# rhashbox: BPF_MAP_TYPE_RHASH developed and tested in a user-mode Linux sandbox.
# `make help` is the manual. Variables a user may set:
#
#   VARIANT=default|kasan   kernel variant to build (uml-config/VARIANT.config)
#   BUILD=build             where everything built lives (git-ignored)
#   JOBS=<nproc>            parallel jobs of the kernel build
#   CCACHE=ccache           compiler cache; CCACHE= builds without it
#   FORCE=1                 with export: overwrite linux/ even if it changed
#   FULL=1                  kernel: run kbuild's whole tree walk, not only the
#                           objects whose sources changed (linux/build.py)
#   V=1                     show full build commands

VARIANT ?= default
BUILD ?= build
JOBS ?= $(shell nproc)
CCACHE ?= $(shell command -v ccache >/dev/null && echo ccache)
CLANG ?= clang-19

VARIANTS := $(shell uml-config/configure.sh --list)
ifeq ($(filter $(VARIANT),$(VARIANTS)),)
$(error VARIANT=$(VARIANT) is not a variant; choose one of: $(VARIANTS))
endif

B := $(abspath $(BUILD))
TREE := $(B)/linux
KOUT := $(B)/kernel/$(VARIANT)
ROOT := $(B)/rootfs
TOOLS := $(B)/tools
TREE_STATE := $(TREE)/.git/rhashbox.state
# Clones share the compiler cache: ccache rewrites the paths under the
# checkout relative to the directory of each compile, so a compile means the
# same in every clone. What the objects record must not differ either: debug
# info names BUILD as /rhashbox and the checkout as /rhashbox-checkout
# (run.sh tells gdb and decode_stacktrace.sh where they are), and __FILE__ is
# relative to the tree as in any kernel build.
export CCACHE_BASEDIR := $(CURDIR)
DEBUG_ROOT := /rhashbox
BUILD_MAP := -fdebug-prefix-map=$(B)/=$(DEBUG_ROOT)/
CHECKOUT_MAP := -fdebug-prefix-map=$(CURDIR)/=$(DEBUG_ROOT)-checkout/
# Kernel objects compile in BUILD/kernel/VARIANT: ../../ is BUILD.
PREFIX_MAPS := $(BUILD_MAP) -fdebug-prefix-map=../../=$(DEBUG_ROOT)/ \
	-fmacro-prefix-map=../../linux/=
# lld links the full-debug-info kernel in a third of GNU ld's time, three
# times per build (linux/sandbox: "um: Link with ld.lld when LD=ld.lld").
# pahole encodes BTF on every CPU (-j): 1.3 s of a 4.3 s relink, a few
# tenths less than on one. kbuild adds -j only from pahole 1.26 (bookworm has
# 1.24): the BTF is then not reproducible byte for byte, which nothing here
# needs.
KCC := $(if $(CCACHE),CC="$(CCACHE) gcc") LD=ld.lld PAHOLE="pahole -j"
# LOCALVERSION= keeps setlocalversion from appending "+" for a git tree.
KMAKE = $(MAKE) -C $(TREE) O=$(KOUT) ARCH=um LOCALVERSION= $(KCC) \
	KCFLAGS="$(PREFIX_MAPS)" KAFLAGS="$(PREFIX_MAPS)"
export TREE

# Long steps run under progress.py: a status line at least every 15 s, and
# each step's seconds for run.sh's "where the time went" line.
PYTHON := /usr/bin/python3
PROGRESS := $(PYTHON) tests/harness/progress.py
# kbuild's quiet lines: objects are counted, the rest is not shown. UML has
# no __x64_sys_* syscall wrappers, so resolve_btfids always misses the two
# the verifier's deny list names: a known, harmless line on every link.
KBUILD_OBJECT := ^  (CC|AS)( \[M\])? +\S+\.o$$
KBUILD_QUIET := ^  [A-Z][A-Z0-9_-]*( \[M\])? +\S|^ln -sf |^WARN: resolve_btfids: unresolved symbol __x64_sys_exit

# Debian bookworm packages the build needs (`make deps` installs them).
PACKAGES := linux-source-6.12 build-essential flex bison bc kmod xz-utils rsync \
	dwarves lld python3 gdb clang-19 llvm-19 libelf-dev zlib1g-dev libzstd-dev \
	libcap-dev check libsubunit-dev busybox-static pkg-config shellcheck ccache \
	gnuplot-nox

.PHONY: FORCE all help deps print-packages tree config kernel tools tests rootfs guest check \
	export tree-status series-check series-build clean distclean

all: guest

help:
	@echo 'rhashbox: the kernel with BPF_MAP_TYPE_RHASH as a user-mode Linux sandbox.'
	@echo
	@echo '  make               build the default variant: tree, kernel, tools, tests, rootfs'
	@echo '  make check         the test command: host tests, then guest suites in every'
	@echo '                     variant ($(VARIANTS)); prints "N passed, N failed"'
	@echo '  ./run.sh --help    boot the guest and run suites (the everyday command)'
	@echo '  ./run.sh bench     RHASH against HASH in the guest: tables, JSON, memory plot'
	@echo
	@echo '  make export        write the tree'"'"'s commits back to linux/ (the source of truth)'
	@echo '  make tree-status   what $(BUILD)/linux holds that linux/ does not'
	@echo '  make series-check  linux/rhash applies alone on the base; checkpatch --strict'
	@echo '  make series-build  build every commit of the series in order (slow)'
	@echo '  make deps          install the Debian packages the build needs (apt-get)'
	@echo '  make kernel        configure and build $(BUILD)/kernel/$$VARIANT/linux'
	@echo '  make clean         remove build outputs, keep the tree ($(BUILD)/linux)'
	@echo '  make distclean     remove all of $(BUILD), the tree too (refuses if it holds unexported work)'
	@echo
	@echo 'Variables: VARIANT=$(VARIANT) ($(VARIANTS)), BUILD=$(BUILD), JOBS=$(JOBS),'
	@echo '           CCACHE=$(CCACHE), FORCE=1 (export), FULL=1 (kernel: whole kbuild walk),'
	@echo '           V=1 (verbose)'
	@echo 'Work on the kernel in $(BUILD)/linux on the branch of its sub-series (see README).'

# --- packages -----------------------------------------------------------------
DEPS_STAMP := $(B)/.deps
deps: $(DEPS_STAMP)
print-packages:
	@echo $(PACKAGES)
$(DEPS_STAMP): Makefile tests/harness/deps.sh
	@tests/harness/deps.sh $(B) $(PACKAGES)
	@touch $@
# The stamp is an (empty) makefile: when make installs packages it reads this
# Makefile again, so what it looks up on the machine (ccache, above all) is
# what the whole build uses. A first build without ccache and a second with it
# would compile everything twice. Goals that need no package skip it.
ifneq ($(filter-out help print-packages clean distclean,$(or $(MAKECMDGOALS),all)),)
include $(DEPS_STAMP)
endif

# --- the kernel tree: base + linux/ series ------------------------------------
# tree.sh rewrites the state file only when it (re-)applies linux/: what
# depends on it rebuilds only then. Asking it is cheap (a hash of linux/).
tree: $(TREE_STATE)
$(TREE_STATE): FORCE | $(DEPS_STAMP)
	@$(PROGRESS) tree -- linux/tree.sh sync

export:
	@linux/tree.sh export
tree-status:
	@linux/tree.sh status
# checkpatch's FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires on
# every new file; the new files are in paths MAINTAINERS already covers.
series-check: $(TREE_STATE)
	@linux/tree.sh apply-alone rhash
	@# Absolute paths: checkpatch misreads a patch named linux/... as a source file.
	@for p in $(abspath $(wildcard linux/*/*.patch)); do \
		$(TREE)/scripts/checkpatch.pl --strict -q --no-tree --ignore FILE_PATH_CHANGES "$$p" || \
		{ echo "series-check: $$p is not checkpatch --strict clean" >&2; exit 1; }; done
	@echo "series-check: every patch of linux/ is checkpatch --strict clean"

# Slow (every commit is a build): not part of check.
series-build: $(KOUT)/.config
	@$(KCC) linux/tree.sh build-each $(KOUT)/.config \
		$(B)/kernel/series-$(VARIANT)

# --- the kernel ---------------------------------------------------------------
config: $(KOUT)/.config
$(KOUT)/.config: uml-config/common.config uml-config/$(VARIANT).config $(TREE_STATE)
	@$(PROGRESS) config -- uml-config/configure.sh $(TREE) $(KOUT) $(VARIANT) $(KCC)

# kbuild knows what changed in the tree: always ask it (a no-op walk is ~2 s).
kernel: $(KOUT)/.config
	@echo "make: kernel $(VARIANT) ($(KOUT)/linux)"
	@+$(PROGRESS) kernel --label 'kernel $(VARIANT)' --unit objects \
		$(if $(V),,--count '$(KBUILD_OBJECT)' --hide '$(KBUILD_QUIET)') -- \
		linux/build.py $(if $(FULL),--full) $(TREE) $(KOUT) -- \
		$(KMAKE) --no-print-directory $(if $(V),V=1) -j$(JOBS)
	@+$(KMAKE) -s INSTALL_MOD_PATH=$(ROOT) modules_install >/dev/null
	@ln -sf $(TREE)/scripts/gdb/vmlinux-gdb.py $(KOUT)/vmlinux-gdb.py 2>/dev/null || true
	@printf 'set substitute-path %s %s\n' $(DEBUG_ROOT)-checkout $(CURDIR) $(DEBUG_ROOT) $(B) \
		>$(KOUT)/paths.gdb

# --- userspace toolchain from the patched tree: libbpf, bpftool ---------------
LIBBPF := $(TOOLS)/libbpf/libbpf.a
BPFTOOL := $(TOOLS)/bpftool/bpftool
tools: $(LIBBPF) $(BPFTOOL)

# tools/ builds are quick no-ops when nothing changed, but they do not know the
# tree moved under them: rebuild when the series changes.
$(LIBBPF): $(TREE_STATE)
	@echo "make: libbpf (static, from the tree)"
	@mkdir -p $(TOOLS)/libbpf
	@+$(PROGRESS) tools --label 'tools: libbpf' --log $(TOOLS)/libbpf/build.log -- \
		$(MAKE) -s -C $(TREE)/tools/lib/bpf OUTPUT=$(TOOLS)/libbpf/ BUILD_STATIC_ONLY=1 \
		DESTDIR=$(TOOLS)/libbpf prefix=/usr $(if $(CCACHE),CC="$(CCACHE) gcc") \
		EXTRA_CFLAGS="-g -O2 $(BUILD_MAP)" all install_headers
	@touch $@
$(BPFTOOL): $(TREE_STATE)
	@echo "make: bpftool (static, from the tree)"
	@mkdir -p $(TOOLS)/bpftool
	@+$(PROGRESS) tools --label 'tools: bpftool' --log $(TOOLS)/bpftool/build.log -- \
		$(MAKE) -s -C $(TREE)/tools/bpf/bpftool OUTPUT=$(TOOLS)/bpftool/ \
		EXTRA_LDFLAGS=-static CLANG=$(CLANG) $(if $(CCACHE),CC="$(CCACHE) gcc") \
		EXTRA_CFLAGS="$(BUILD_MAP)"
	@touch $@

# --- guest tests and the guest root -------------------------------------------
tests: tools
	@+$(PROGRESS) tests -- $(MAKE) -s -C tests OUT=$(B)/tests TREE=$(TREE) TOOLS=$(TOOLS) \
		CC="$(CCACHE) gcc" CLANG="$(CCACHE) $(CLANG)" DEBUG_MAPS="$(CHECKOUT_MAP) $(BUILD_MAP)"

rootfs: tests
	@$(PROGRESS) rootfs -- rootfs/build.sh $(ROOT) $(B)/tests $(BPFTOOL)

# Everything run.sh needs to boot VARIANT.
guest: kernel rootfs

# --- tests --------------------------------------------------------------------
# tests/check.sh builds every variant, then tests.
check: $(DEPS_STAMP)
	@BUILD=$(B) tests/check.sh

clean:
	rm -rf $(B)/kernel $(B)/tools $(B)/tests $(B)/rootfs $(B)/results

# The tree may hold unexported work: distclean refuses unless it matches linux/.
distclean:
	@if [ -d $(TREE)/.git ]; then linux/tree.sh status | grep -q 'matches linux/' || { \
		linux/tree.sh status; echo "distclean: refusing: export or move the tree first" >&2; exit 1; }; fi
	rm -rf $(B)
