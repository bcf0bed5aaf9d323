// SPDX-License-Identifier: GPL-2.0
/*
 * prog_types: which BPF program types and features work in this UML kernel
 * (6.12, BPF interpreter only: no JIT, no trampolines, no kprobes) and how
 * the rest fail. Each case loads one program of progs/prog_types.bpf.c and
 * pins its outcome, errno and all, so a change in support is noticed.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prog_types.skel.h"
#include "rhb_test.h"

RHB_SUITE("prog_types");

/* The verifier log of the program being loaded. */
static char log_buf[1 << 16];

/* Opens the skeleton with only program @name to be loaded, its log in log_buf. */
static struct prog_types *open_only(const char *name, struct bpf_program **progp)
{
	struct prog_types *skel = prog_types__open();
	struct bpf_program *prog;

	ck_assert_msg(skel, "prog_types__open: errno %d (%s)", errno, strerror(errno));
	prog = bpf_object__find_program_by_name(skel->obj, name);
	ck_assert_msg(prog, "no program %s in prog_types.bpf.c", name);
	ck_assert_int_eq(bpf_program__set_autoload(prog, true), 0);
	ck_assert_int_eq(bpf_program__set_log_buf(prog, log_buf, sizeof(log_buf)), 0);
	log_buf[0] = '\0';
	*progp = prog;
	return skel;
}

/* open_only() and load, which must succeed. */
static struct prog_types *load_only(const char *name, struct bpf_program **progp)
{
	struct prog_types *skel = open_only(name, progp);
	int err = prog_types__load(skel);

	ck_assert_msg(!err, "loading %s: %d (%s)\nverifier log:\n%s", name, err, strerror(-err),
		      log_buf);
	return skel;
}

/* Asserts that loading only program @name fails with @e; returns the log. */
#define expect_load_errno(name, e)					\
	do {								\
		struct bpf_program *__p;				\
		struct prog_types *__s = open_only(name, &__p);	\
		int __err = prog_types__load(__s);			\
									\
		ck_assert_msg(__err == -(e),				\
			      "loading %s: expected -%s, got %d (%s)\nverifier log:\n%s", \
			      name, #e, __err, strerror(-__err), log_buf); \
		prog_types__destroy(__s);				\
	} while (0)

/* Forks a child that exits at once and reaps it; returns its pid. */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	int status;

	ck_assert_msg(pid >= 0, "fork: errno %d (%s)", errno, strerror(errno));
	if (!pid)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return pid;
}

/* Works */

RHB_TEST(raw_tp_attaches_and_fires_on_fork)
{
	struct bpf_program *prog;
	struct prog_types *skel = load_only("raw_tp_fork", &prog);
	struct bpf_link *link;
	pid_t child;

	skel->bss->parent_tgid = getpid();
	link = bpf_program__attach(prog);
	ck_assert_msg(link, "attaching raw_tp/sched_process_fork: errno %d (%s)", errno,
		      strerror(errno));
	child = fork_child();
	ck_assert_msg(skel->bss->raw_tp_hits == 1, "expected 1 fork seen by raw_tp, got %u",
		      skel->bss->raw_tp_hits);
	ck_assert_msg(skel->bss->raw_tp_child_pid == child,
		      "raw_tp read child pid %d, fork() returned %d", skel->bss->raw_tp_child_pid,
		      child);
	bpf_link__destroy(link);
	prog_types__destroy(skel);
}
END_TEST

RHB_TEST(tracepoint_attaches_and_fires_on_fork)
{
	struct bpf_program *prog;
	struct prog_types *skel = load_only("tp_fork", &prog);
	struct bpf_link *link;
	pid_t child;

	skel->bss->parent_tgid = getpid();
	link = bpf_program__attach(prog);
	ck_assert_msg(link, "attaching tracepoint/sched/sched_process_fork: errno %d (%s)", errno,
		      strerror(errno));
	child = fork_child();
	ck_assert_msg(skel->bss->tp_hits == 1, "expected 1 fork seen by the tracepoint, got %u",
		      skel->bss->tp_hits);
	ck_assert_msg(skel->bss->tp_child_pid == child,
		      "tracepoint record has child_pid %d, fork() returned %d",
		      skel->bss->tp_child_pid, child);
	bpf_link__destroy(link);
	prog_types__destroy(skel);
}
END_TEST

RHB_TEST(syscall_program_without_callbacks_loads_and_runs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct bpf_program *prog;
	struct prog_types *skel = load_only("plain_syscall", &prog);

	/* The control of the callback cases: syscall programs as such work. */
	rhb_assert_ok(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts));
	ck_assert_msg(skel->bss->loop_sum == 6, "expected loop_sum 6, got %llu",
		      (unsigned long long)skel->bss->loop_sum);
	prog_types__destroy(skel);
}
END_TEST

/* Does not work */

/*
 * Without CONFIG_BPF_JIT, bpf_trampoline_get() is a stub returning NULL and
 * the verifier turns that into -ENOMEM: the kernel's answer on UML.
 */
RHB_TEST(fentry_load_fails_enomem)
{
	expect_load_errno("fentry_test1", ENOMEM);
}
END_TEST

RHB_TEST(fexit_load_fails_enomem)
{
	expect_load_errno("fexit_test1", ENOMEM);
}
END_TEST

/* Asserts that the bpf_link pointer @link is NULL and errno is @e. */
#define expect_attach_errno(link, e)					\
	do {								\
		struct bpf_link *__l = (link);				\
		int __e = errno;					\
									\
		ck_assert_msg(!__l && __e == (e),			\
			      "%s: expected -%s, got link %p (errno %d: %s)", \
			      #link, #e, (void *)__l, __e, strerror(__e)); \
	} while (0)

/* UML has no kprobes: no kprobe PMU, no kprobe_events, nothing to attach to. */
RHB_TEST(kprobe_loads_but_attach_fails_enoent)
{
	struct bpf_program *prog;
	struct prog_types *skel = load_only("kprobe_test1", &prog);

	ck_assert_msg(access("/sys/bus/event_source/devices/kprobe", F_OK) && errno == ENOENT,
		      "UML grew a kprobe PMU: update this case");
	ck_assert_msg(access("/sys/kernel/tracing/kprobe_events", F_OK) && errno == ENOENT,
		      "UML grew kprobe_events: update this case");
	errno = 0;
	expect_attach_errno(bpf_program__attach(prog), ENOENT);
	prog_types__destroy(skel);
}
END_TEST

/* Without CONFIG_FPROBE the kernel refuses kprobe_multi links itself. */
RHB_TEST(kprobe_multi_loads_but_link_create_fails_eopnotsupp)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	const char *syms[] = { "bpf_fentry_test1" };
	struct bpf_program *prog;
	struct prog_types *skel = load_only("kprobe_multi_test1", &prog);

	opts.kprobe_multi.syms = syms;
	opts.kprobe_multi.cnt = 1;
	rhb_assert_errno(bpf_link_create(bpf_program__fd(prog), 0, BPF_TRACE_KPROBE_MULTI, &opts),
			 EOPNOTSUPP);
	prog_types__destroy(skel);
}
END_TEST

RHB_TEST(bpf_loop_refused_by_verifier)
{
	expect_load_errno("loop", EINVAL);
	ck_assert_msg(strstr(log_buf, "callbacks are not allowed in non-JITed programs"),
		      "verifier log does not say why:\n%s", log_buf);
}
END_TEST

RHB_TEST(for_each_map_elem_refused_by_verifier)
{
	expect_load_errno("for_each", EINVAL);
	ck_assert_msg(strstr(log_buf, "callbacks are not allowed in non-JITed programs"),
		      "verifier log does not say why:\n%s", log_buf);
}
END_TEST
