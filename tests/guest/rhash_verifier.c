// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_verifier: which program types may use a BPF_MAP_TYPE_RHASH map.
 * rhashtable's bucket lock does not guard against re-entry, so the verifier
 * refuses RHASH in programs that run from arbitrary kernel code (kprobe,
 * tracepoint, raw_tp, raw_tp.w, perf_event) with "tracing progs cannot use
 * resizable hash maps yet" and -EINVAL, where the same program with a HASH
 * map loads. Socket filter, syscall, XDP, tc and iterator programs load
 * with RHASH and run (test runs, or an iterator read); kprobe and
 * perf_event programs cannot attach on UML, so those cases load only.
 */
#include <bpf/libbpf.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps.h"
#include "progs.h"
#include "rhash_verifier.skel.h"

RHB_SUITE("rhash_verifier");

#define REFUSED "tracing progs cannot use resizable hash maps yet\n"

/* Programs write this key of m. */
#define KEY 7

static char log_buf[1 << 16];

/* Opens the object with m of kind @k and only program @name to load, its log in log_buf. */
static struct rhash_verifier *open_one(const struct rhb_map_kind *k, const char *name,
				       struct bpf_program **progp)
{
	struct rhash_verifier *skel = rhash_verifier__open();

	ck_assert_msg(skel, "rhash_verifier__open: errno %d (%s)", errno, strerror(errno));
	rhb_map_set_kind(skel->maps.m, k);
	*progp = rhb_prog_enable(skel->obj, name, log_buf, sizeof(log_buf));
	return skel;
}

/* open_one() and load, which must succeed. */
static struct rhash_verifier *load_one(const struct rhb_map_kind *k, const char *name,
				       struct bpf_program **progp)
{
	struct rhash_verifier *skel = open_one(k, name, progp);
	int err = rhash_verifier__load(skel);

	ck_assert_msg(!err, "[%s] loading %s: expected success, got %d (%s)\nverifier log:\n%s",
		      k->name, name, err, strerror(-err), log_buf);
	skel->bss->key = KEY;
	return skel;
}

/* Program @name loads with a HASH map, and with an RHASH map fails as the rule says. */
static void expect_refused_with_rhash(const char *name)
{
	const struct rhb_map_kind *k;
	struct bpf_program *prog;

	rhb_for_each_map_kind(k) {
		struct rhash_verifier *skel = open_one(k, name, &prog);
		int err = rhash_verifier__load(skel);

		if (k->type == BPF_MAP_TYPE_RHASH)
			ck_assert_msg(err == -EINVAL && strstr(log_buf, REFUSED),
				      "[%s] loading %s: expected -EINVAL and \"%.*s\", got %d "
				      "(%s)\nverifier log:\n%s", k->name, name,
				      (int)strlen(REFUSED) - 1, REFUSED, err, strerror(-err),
				      log_buf);
		else
			ck_assert_msg(!err, "[%s] loading %s: expected success, got %d (%s)\n"
				      "verifier log:\n%s", k->name, name, err, strerror(-err),
				      log_buf);
		rhash_verifier__destroy(skel);
	}
}

RHB_TEST(kprobe_refused)
{
	expect_refused_with_rhash("kprobe_prog");
}
END_TEST

RHB_TEST(tracepoint_refused)
{
	expect_refused_with_rhash("tracepoint_prog");
}
END_TEST

RHB_TEST(raw_tracepoint_refused)
{
	expect_refused_with_rhash("raw_tp_prog");
}
END_TEST

RHB_TEST(raw_tracepoint_writable_refused)
{
	expect_refused_with_rhash("raw_tp_w_prog");
}
END_TEST

RHB_TEST(perf_event_refused)
{
	expect_refused_with_rhash("perf_event_prog");
}
END_TEST

RHB_TEST(tracepoint_refused_rhash_in_a_map_of_maps)
{
	struct bpf_program *prog;
	struct rhash_verifier *skel;
	struct bpf_link *link;
	__u32 key = KEY;
	__u64 value = 0;
	int err, found = 0;

	/*
	 * The program names only the outer map; the RHASH map it updates is
	 * the inner one, and it would do so from the same tracing context as
	 * the direct case: the rule must reach it too.
	 */
	skel = open_one(rhb_map_kind("hash"), "tracepoint_inner_prog", &prog);
	err = rhash_verifier__load(skel);
	if (!err) {
		/* For the message: it attaches and writes the RHASH map on fork. */
		skel->bss->key = KEY;
		link = bpf_program__attach(prog);
		if (link) {
			pid_t pid = fork();

			if (!pid)
				_exit(0);
			waitpid(pid, NULL, 0);
			found = !bpf_map__lookup_elem(skel->maps.inner, &key, sizeof(key), &value,
						      sizeof(value), 0);
			bpf_link__destroy(link);
		}
	}
	ck_assert_msg(err == -EINVAL && strstr(log_buf, REFUSED), "loading a tracepoint program "
		      "that updates an RHASH map through an array of maps: expected -EINVAL and "
		      "\"%.*s\", got %d (%s); attached to sched_process_fork, it %s the RHASH "
		      "map on fork", (int)strlen(REFUSED) - 1, REFUSED, err, strerror(-err),
		      found ? "updated" : "did not update");
	rhash_verifier__destroy(skel);
}
END_TEST

/* Asserts that a program that ran wrote KEY into m. */
static void expect_key(const struct rhb_map_kind *k, struct rhash_verifier *skel,
		       const char *name)
{
	__u32 key = KEY;
	__u64 value = 0;
	int err = bpf_map__lookup_elem(skel->maps.m, &key, sizeof(key), &value, sizeof(value), 0);

	ck_assert_msg(!err && value == 1, "[%s] after %s ran: lookup of key %u returned %d, value "
		      "%llu; expected the value 1", k->name, name, KEY, err,
		      (unsigned long long)value);
}

/* Loads @name with each kind, test-runs it once on a 64-byte packet if @pkt, and checks m. */
static void expect_loads_and_runs(const char *name, bool pkt)
{
	const struct rhb_map_kind *k;
	struct bpf_program *prog;
	char data[64] = {};

	rhb_for_each_map_kind(k) {
		struct rhash_verifier *skel = load_one(k, name, &prog);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt ? data : NULL,
			    .data_size_in = pkt ? sizeof(data) : 0);

		rhb_kassert_ok(k, bpf_prog_test_run_opts(bpf_program__fd(prog), &opts));
		expect_key(k, skel, name);
		rhash_verifier__destroy(skel);
	}
}

RHB_TEST(socket_filter_loads_and_runs)
{
	expect_loads_and_runs("socket_prog", true);
}
END_TEST

RHB_TEST(syscall_loads_and_runs)
{
	expect_loads_and_runs("syscall_prog", false);
}
END_TEST

RHB_TEST(xdp_loads_and_runs)
{
	expect_loads_and_runs("xdp_prog", true);
}
END_TEST

RHB_TEST(tc_loads_and_runs)
{
	expect_loads_and_runs("tc_prog", true);
}
END_TEST

RHB_TEST(iterator_loads_and_runs)
{
	const struct rhb_map_kind *k;
	struct bpf_program *prog;
	char buf[64];

	/* Attached to m itself: it walks the map it then writes to. */
	rhb_for_each_map_kind(k) {
		struct rhash_verifier *skel = load_one(k, "iter_prog", &prog);
		union bpf_iter_link_info linfo = { .map.map_fd = bpf_map__fd(skel->maps.m) };
		LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo,
			    .link_info_len = sizeof(linfo));
		struct bpf_link *link = bpf_program__attach_iter(prog, &opts);
		int fd;

		ck_assert_msg(link, "[%s] attaching iter_prog: errno %d (%s)", k->name, errno,
			      strerror(errno));
		fd = bpf_iter_create(bpf_link__fd(link));
		ck_assert_msg(fd >= 0, "[%s] bpf_iter_create: errno %d", k->name, errno);
		ck_assert_msg(read(fd, buf, sizeof(buf)) == 0, "[%s] iter_prog writes nothing, "
			      "read returned data or errno %d", k->name, errno);
		expect_key(k, skel, "iter_prog");
		close(fd);
		bpf_link__destroy(link);
		rhash_verifier__destroy(skel);
	}
}
END_TEST
