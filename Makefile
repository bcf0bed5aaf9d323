# rhashbox: BPF_MAP_TYPE_RHASH developed and tested in a user-mode Linux sandbox.
# `make help` is the manual. Variables a user may set:
#
#   VARIANT=default|kasan   kernel variant to build (uml-config/VARIANT.config)
#   BUILD=build             where everything built lives (git-ignored)
#   JOBS=<nproc>            parallel jobs of the kernel build
#   CCACHE=ccache           compiler cache; CCACHE= builds without it
#   FORCE=1                 with export: overwrite linux/ even if it changed
#   V=1                     show full build commands

VARIANT ?= default
BUILD ?= build
JOBS ?= $(shell nproc)
CCACHE ?= $(shell command -v ccache >/dev/null && echo ccache)
CLANG ?= clang-19

VARIANTS := $(patsubst uml-config/%.config,%,$(filter-out uml-config/common.config,$(wildcard uml-config/*.config)))
ifeq ($(filter $(VARIANT),$(VARIANTS)),)
$(error VARIANT=$(VARIANT) is not a variant; choose one of: $(VARIANTS))
endif

B := $(abspath $(BUILD))
TREE := $(B)/linux
KOUT := $(B)/kernel/$(VARIANT)
ROOT := $(B)/rootfs
TOOLS := $(B)/tools
TREE_STATE := $(TREE)/.git/rhashbox.state
# LOCALVERSION= keeps setlocalversion from appending "+" for a git tree.
KMAKE = $(MAKE) -C $(TREE) O=$(KOUT) ARCH=um LOCALVERSION= $(if $(CCACHE),CC="$(CCACHE) gcc") \
	$(if $(V),V=1,-s)
export TREE

# Debian bookworm packages the build needs (`make deps` installs them).
PACKAGES := linux-source-6.12 build-essential flex bison bc kmod xz-utils rsync \
	dwarves python3 gdb clang-19 llvm-19 libelf-dev zlib1g-dev libzstd-dev \
	libcap-dev check libsubunit-dev busybox-static pkg-config shellcheck ccache \
	gnuplot-nox

.PHONY: FORCE all help deps tree config kernel tools tests rootfs guest check \
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
	@echo '           CCACHE=$(CCACHE), FORCE=1 (export), V=1 (verbose)'
	@echo 'Work on the kernel in $(BUILD)/linux on the branch of its sub-series (see README).'

# --- packages -----------------------------------------------------------------
DEPS_STAMP := $(B)/.deps
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	@missing=$$(for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' || echo "$$p"; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing Debian packages:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "deps: not root: run 'sudo apt-get install" $$missing"' and make again" >&2; exit 1; \
		fi; \
		mkdir -p $(B); \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; } >$(B)/apt.log 2>&1 || { \
			echo "deps: apt-get install failed (log: $(B)/apt.log):" >&2; tail -n 20 $(B)/apt.log >&2; exit 1; }; \
	fi
	@mkdir -p $(B) && touch $@

# --- the kernel tree: base + linux/ series ------------------------------------
# tree.sh rewrites the state file only when it (re-)applies linux/: what
# depends on it rebuilds only then. Asking it is cheap (a hash of linux/).
tree: $(TREE_STATE)
$(TREE_STATE): FORCE | $(DEPS_STAMP)
	@linux/tree.sh sync

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
	@$(if $(CCACHE),CC="$(CCACHE) gcc") linux/tree.sh build-each $(KOUT)/.config \
		$(B)/kernel/series-$(VARIANT)

# --- the kernel ---------------------------------------------------------------
config: $(KOUT)/.config
$(KOUT)/.config: uml-config/common.config uml-config/$(VARIANT).config $(TREE_STATE)
	@uml-config/configure.sh $(TREE) $(KOUT) $(VARIANT) $(if $(CCACHE),CC="$(CCACHE) gcc")

# kbuild knows what changed in the tree: always ask it (a no-op walk is ~2 s).
kernel: $(KOUT)/.config
	@echo "make: kernel $(VARIANT) ($(KOUT)/linux)"
	@+$(KMAKE) -j$(JOBS) all
	@+$(KMAKE) INSTALL_MOD_PATH=$(ROOT) modules_install >/dev/null
	@ln -sf $(TREE)/scripts/gdb/vmlinux-gdb.py $(KOUT)/vmlinux-gdb.py 2>/dev/null || true

# --- userspace toolchain from the patched tree: libbpf, bpftool ---------------
LIBBPF := $(TOOLS)/libbpf/libbpf.a
BPFTOOL := $(TOOLS)/bpftool/bpftool
tools: $(LIBBPF) $(BPFTOOL)

# tools/ builds are quick no-ops when nothing changed, but they do not know the
# tree moved under them: rebuild when the series changes.
$(LIBBPF): $(TREE_STATE)
	@echo "make: libbpf (static, from the tree)"
	@mkdir -p $(TOOLS)/libbpf
	@+$(MAKE) -s -C $(TREE)/tools/lib/bpf OUTPUT=$(TOOLS)/libbpf/ BUILD_STATIC_ONLY=1 \
		DESTDIR=$(TOOLS)/libbpf prefix=/usr all install_headers >/dev/null
	@touch $@
$(BPFTOOL): $(TREE_STATE)
	@echo "make: bpftool (static, from the tree)"
	@mkdir -p $(TOOLS)/bpftool
	@+$(MAKE) -s -C $(TREE)/tools/bpf/bpftool OUTPUT=$(TOOLS)/bpftool/ \
		EXTRA_LDFLAGS=-static CLANG=$(CLANG) >$(TOOLS)/bpftool/build.log 2>&1 || { \
		tail -n 30 $(TOOLS)/bpftool/build.log >&2; exit 1; }
	@touch $@

# --- guest tests and the guest root -------------------------------------------
tests: tools
	@+$(MAKE) -s -C tests OUT=$(B)/tests TREE=$(TREE) TOOLS=$(TOOLS) CLANG=$(CLANG)

rootfs: tests
	@rootfs/build.sh $(ROOT) $(B)/tests $(BPFTOOL)

# Everything run.sh needs to boot VARIANT.
guest: kernel rootfs

# --- tests --------------------------------------------------------------------
# tests/check.sh builds every variant, then tests.
check: $(DEPS_STAMP)
	@tests/check.sh

clean:
	rm -rf $(B)/kernel $(B)/tools $(B)/tests $(B)/rootfs $(B)/results

# The tree may hold unexported work: distclean refuses unless it matches linux/.
distclean:
	@if [ -d $(TREE)/.git ]; then linux/tree.sh status | grep -q 'matches linux/' || { \
		linux/tree.sh status; echo "distclean: refusing: export or move the tree first" >&2; exit 1; }; fi
	rm -rf $(B)
