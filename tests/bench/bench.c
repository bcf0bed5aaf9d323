// SPDX-License-Identifier: GPL-2.0
/*
 * rhb_bench: BPF_MAP_TYPE_RHASH against BPF_MAP_TYPE_HASH (preallocated, and
 * with BPF_F_NO_PREALLOC), on the same keys, in one boot.
 *
 * usage: rhb_bench [--smoke] [--reps N] [GROUP...]
 *
 * Every map operation is timed in the kernel, by two drivers:
 *   native  /sys/kernel/debug/bpf_map_bench calls the map's operations in a
 *           loop (kernel/bpf/map_bench.c): what the operation costs.
 *   bpf     a socket filter of bench.bpf.c does LOOP operations per run,
 *           BPF_PROG_TEST_RUN repeats it: the operation as an interpreted
 *           program sees it, interpreter overhead included.
 * Batch lookups are timed from userspace around the bpf(2) calls (driver
 * "syscall"), memory is the map's memlock in /proc/self/fdinfo.
 *
 * Each rep measures every map kind in turn, starting with a different kind
 * each time; one untimed warm-up rep comes first (none with --smoke, which
 * also shrinks every size so that the whole run takes seconds).
 *
 * Output, one line per result, parsed by tests/bench/report.py:
 *   bench: plan groups=G,... reps=N warmups=N smoke=0|1 loop=N kinds=K,... kernel=R
 *   bench: sample case=C key_size=N nr_keys=N max_entries=N driver=D kind=K
 *          rep=N ops=N ns_per_op=X errors=N [calls=N]
 *   bench: mem kind=K max_entries=N elements=N memlock=BYTES errors=N
 *   bench: done
 * "errors" counts operations that did not do what the workload expects: any
 * makes the numbers meaningless and the report fails. Fatal problems print
 * "bench: error: ..." and exit 1; bad usage exits 2.
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"
#include "bench.skel.h"

/* Operations per run of a bench.bpf.c program. */
#define LOOP 256
#define BENCH_FILE "/sys/kernel/debug/bpf_map_bench"
#define VALUE_SIZE sizeof(__u64)
#define MAX_KEY 64

static const char *const kind_names[] = { "hash", "hash_no_prealloc", "rhash" };
#define NR_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

enum driver { NATIVE, BPF };
static const char *const driver_names[] = { [NATIVE] = "native", [BPF] = "bpf" };

struct sizes {
	/* Keys of the lookup, update and overwrite maps (max_entries too). */
	__u32 nr_keys;
	/* Operations per measurement of the native and the bpf driver. */
	__u64 native_ops;
	__u64 bpf_ops;
	/* full_update: the full map's size (upstream's shape: 1000). */
	__u32 full_keys;
	/* insert_delete: elements inserted into an empty map of this size. */
	__u32 grow;
	/* batch: elements looked up. */
	__u32 batch;
	/* memory: max_entries, and the element counts memlock is read at. */
	__u32 mem_max;
	const __u32 *mem_points;
	unsigned int nr_mem_points;
};

static const __u32 mem_points[] = {
	0, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1 << 20,
};

static const __u32 smoke_mem_points[] = { 0, 10, 100, 1000, 4096 };

static const struct sizes full_sizes = {
	.nr_keys = 1024,
	.native_ops = 1 << 20,
	/* The reference shape: repeat 2000 of a 256-operation loop. */
	.bpf_ops = 2000 * LOOP,
	.full_keys = 1000,
	.grow = 1 << 17,
	.batch = 1 << 17,
	.mem_max = 1 << 20,
	.mem_points = mem_points,
	.nr_mem_points = sizeof(mem_points) / sizeof(mem_points[0]),
};

static const struct sizes smoke_sizes = {
	.nr_keys = 64,
	.native_ops = 4096,
	.bpf_ops = 4 * LOOP,
	.full_keys = 100,
	.grow = 4 * LOOP,
	.batch = 1000,
	.mem_max = 4096,
	.mem_points = smoke_mem_points,
	.nr_mem_points = sizeof(smoke_mem_points) / sizeof(smoke_mem_points[0]),
};

static const struct sizes *sz = &full_sizes;
static unsigned int reps = 5, warmups = 1;

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("bench: error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* A map of one kind under test, and the programs bound to it (loaded on first use). */
struct target {
	const struct rhb_map_kind *kind;
	__u32 key_size;
	__u32 max_entries;
	int fd;
	struct bench *skel;
};

static void target_open(struct target *t, const char *kind, __u32 key_size, __u32 max_entries)
{
	t->kind = rhb_map_kind(kind);
	t->key_size = key_size;
	t->max_entries = max_entries;
	t->skel = NULL;
	t->fd = rhb_map_create(t->kind, key_size, VALUE_SIZE, max_entries, 0, NULL);
	if (t->fd < 0)
		die("[%s] create key_size %u max_entries %u: %s", kind, key_size, max_entries,
		    strerror(errno));
}

/*
 * Closes the map and gives the kernel time to free it (a worker, after RCU
 * grace periods), so that the next measurement does not pay for it.
 */
static void target_close(struct target *t)
{
	const struct timespec quiesce = { .tv_nsec = 100 * 1000 * 1000 };

	bench__destroy(t->skel);
	close(t->fd);
	nanosleep(&quiesce, NULL);
}

static struct bpf_program *target_prog(struct target *t, const char *op)
{
	struct bpf_program *prog;
	int err;

	if (!t->skel) {
		t->skel = bench__open();
		if (!t->skel)
			die("bench__open: %s", strerror(errno));
		err = bpf_map__reuse_fd(t->skel->maps.map, t->fd);
		if (!err)
			err = bench__load(t->skel);
		if (err)
			die("[%s] loading the programs: %s", t->kind->name, strerror(-err));
	}
	prog = bpf_object__find_program_by_name(t->skel->obj, op);
	if (!prog)
		die("bench.bpf.c has no program %s", op);
	return prog;
}

struct result {
	double ns_per_op;
	unsigned long long ops, errors;
};

/* @op of the in-kernel bench: kernel/bpf/map_bench.c. */
static void native_run(const struct target *t, const char *op, __u32 nr_keys, __u64 ops,
		       struct result *r)
{
	char cmd[96], out[128];
	int fd = open(BENCH_FILE, O_RDWR), len;
	ssize_t n;

	if (fd < 0)
		die("open %s: %s (a kernel without CONFIG_BPF_MAP_BENCH?)", BENCH_FILE,
		    strerror(errno));
	len = snprintf(cmd, sizeof(cmd), "%d %s %u %llu", t->fd, op, nr_keys,
		       (unsigned long long)ops);
	if (write(fd, cmd, len) != len)
		die("[%s] %s '%s': %s", t->kind->name, BENCH_FILE, cmd, strerror(errno));
	/* The result belongs to this open file: read it before closing. */
	n = pread(fd, out, sizeof(out) - 1, 0);
	if (n <= 0)
		die("read %s: %s", BENCH_FILE, n ? strerror(errno) : "nothing");
	out[n] = '\0';
	close(fd);
	if (sscanf(out, "ns_per_op %lf ops %llu errors %llu", &r->ns_per_op, &r->ops,
		   &r->errors) != 3 || r->ops != ops)
		die("%s answered '%s' to '%s'", BENCH_FILE, out, cmd);
}

/* @ops operations of program @op from operation index 0, @ops / LOOP runs. */
static void bpf_run(struct target *t, const char *op, __u32 nr_keys, __u64 ops,
		    struct result *r)
{
	struct bpf_program *prog = target_prog(t, op);
	char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = ops / LOOP);

	if (ops % LOOP || !ops)
		die("bpf driver: %llu operations, not a multiple of %d", (unsigned long long)ops,
		    LOOP);
	t->skel->data->nr_keys = nr_keys;
	t->skel->bss->pos = 0;
	t->skel->bss->errors = 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		die("[%s] test run of %s: %s", t->kind->name, op, strerror(errno));
	if (t->skel->bss->pos != ops)
		die("[%s] %s ran %llu operations, expected %llu", t->kind->name, op,
		    (unsigned long long)t->skel->bss->pos, (unsigned long long)ops);
	r->ns_per_op = (double)opts.duration / LOOP;
	r->ops = ops;
	r->errors = t->skel->bss->errors;
}

static void measure(struct target *t, enum driver d, const char *op, __u32 nr_keys,
		    struct result *r)
{
	if (d == NATIVE)
		native_run(t, op, nr_keys, sz->native_ops, r);
	else
		bpf_run(t, op, nr_keys, sz->bpf_ops, r);
}

static void print_sample(const char *name, const struct target *t, __u32 nr_keys,
			 const char *driver, unsigned int rep, const struct result *r)
{
	printf("bench: sample case=%s key_size=%u nr_keys=%u max_entries=%u driver=%s kind=%s "
	       "rep=%u ops=%llu ns_per_op=%.3f errors=%llu\n", name, t->key_size, nr_keys,
	       t->max_entries, driver, t->kind->name, rep, r->ops, r->ns_per_op, r->errors);
}

/*
 * memlock once it stops changing: RHASH's bucket table follows its elements
 * in rhashtable's worker, shortly after the inserts that asked for it.
 */
static unsigned long long settled_memlock(int fd)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	unsigned long long prev = rhb_map_memlock(fd), cur;
	unsigned int same = 0, i;

	for (i = 0; i < 250 && same < 3; i++) {
		nanosleep(&tick, NULL);
		cur = rhb_map_memlock(fd);
		same = cur == prev ? same + 1 : 0;
		prev = cur;
	}
	return prev;
}

/*
 * Inserts keys 0..n-1 into @t, untimed; all must go in. Measurements start
 * on a settled map, not one that RHASH's worker is still resizing.
 */
static void fill(struct target *t, __u32 n)
{
	struct result r;

	if (!n)
		return;
	native_run(t, "insert", n, n, &r);
	if (r.errors)
		die("[%s] filling %u keys: %llu inserts failed", t->kind->name, n, r.errors);
	settled_memlock(t->fd);
}

/* The kind measured @i-th in rep @rep: each rep starts with another kind. */
static unsigned int kind_at(int rep, unsigned int i)
{
	return (rep + warmups + i) % NR_KINDS;
}

/* A case of the report and the operation (bench.bpf.c, map_bench.c) it times. */
struct bench_op {
	const char *name;
	const char *op;
};

/*
 * Operations that do not change the map (lookups, updates of existing keys,
 * updates of a full map): one map per kind holding keys 0..nr_keys-1, every
 * kind in turn in every rep, with both drivers. Each case's name gets @suffix.
 */
static void steady(const struct bench_op *ops, unsigned int nr_ops, const char *suffix,
		   __u32 key_size, __u32 nr_keys)
{
	struct target t[NR_KINDS];
	unsigned int i, o;
	struct result r;
	int rep, d;

	for (i = 0; i < NR_KINDS; i++) {
		target_open(&t[i], kind_names[i], key_size, nr_keys);
		fill(&t[i], nr_keys);
	}
	for (o = 0; o < nr_ops; o++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s", ops[o].name, suffix);
		for (rep = -(int)warmups; rep < (int)reps; rep++)
			for (d = NATIVE; d <= BPF; d++)
				for (i = 0; i < NR_KINDS; i++) {
					struct target *k = &t[kind_at(rep, i)];

					measure(k, d, ops[o].op, nr_keys, &r);
					if (rep >= 0)
						print_sample(name, k, nr_keys, driver_names[d],
							     rep + 1, &r);
				}
	}
	for (i = 0; i < NR_KINDS; i++)
		target_close(&t[i]);
}

/* Upstream's full-update shape: a 1000-entry map full, BPF_ANY of a key not in it. */
static void bench_full_update(void)
{
	static const struct bench_op op = { "full_update", "update_full" };

	steady(&op, 1, "", sizeof(__u32), sz->full_keys);
}

static void bench_update(void)
{
	static const struct bench_op op = { "update", "update" };

	steady(&op, 1, "", sizeof(__u32), sz->nr_keys);
}

static void bench_lookup(void)
{
	static const struct bench_op ops[] = {
		{ "lookup_hit", "lookup_hit" }, { "lookup_miss", "lookup_miss" },
	};
	static const __u32 key_sizes[] = { 4, 8, 16, 64 };
	unsigned int i;

	for (i = 0; i < sizeof(key_sizes) / sizeof(key_sizes[0]); i++) {
		char suffix[16];

		snprintf(suffix, sizeof(suffix), "_k%u", key_sizes[i]);
		steady(ops, 2, suffix, key_sizes[i], sz->nr_keys);
	}
}

/*
 * Operations that change the map: a fresh map per measurement, filled with
 * @prefill keys, then each op of @ops on it in turn, @nops operations each
 * (0: the driver's default count), each on a settled map.
 */
static void fresh(const char **ops, unsigned int nr_ops, __u32 max_entries, __u32 prefill,
		  __u32 nr_keys, __u64 nops)
{
	unsigned int i, o;
	struct target t;
	struct result r;
	int rep, d;

	for (rep = -(int)warmups; rep < (int)reps; rep++)
		for (d = NATIVE; d <= BPF; d++)
			for (i = 0; i < NR_KINDS; i++) {
				target_open(&t, kind_names[kind_at(rep, i)], sizeof(__u32),
					    max_entries);
				fill(&t, prefill);
				for (o = 0; o < nr_ops; o++) {
					if (!nops)
						measure(&t, d, ops[o], nr_keys, &r);
					else if (d == NATIVE)
						native_run(&t, ops[o], nr_keys, nops, &r);
					else
						bpf_run(&t, ops[o], nr_keys, nops, &r);
					if (rep >= 0)
						print_sample(ops[o], &t, nr_keys, driver_names[d],
							     rep + 1, &r);
					settled_memlock(t.fd);
				}
				target_close(&t);
			}
}

/* Growth from empty to full (resizes on the way), then shrink by deleting all. */
static void bench_insert_delete(void)
{
	const char *ops[] = { "insert", "delete" };

	fresh(ops, 2, sz->grow, 0, sz->grow, sz->grow);
}

/* Delete key i, insert key nr_keys + i: a full map of a constant size. */
static void bench_overwrite(void)
{
	const char *op = "overwrite";

	fresh(&op, 1, sz->nr_keys, sz->nr_keys, sz->nr_keys, 0);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * The whole map with BPF_MAP_LOOKUP_BATCH, asking for all that is left in
 * every call; r->errors counts keys 0..n-1 not returned exactly once.
 */
static unsigned int batch_lookup(struct target *t, __u32 n, __u32 *keys, __u64 *vals,
				 unsigned char *seen, struct result *r)
{
	unsigned char in[MAX_KEY], out[MAX_KEY];
	unsigned int calls = 0;
	__u32 total = 0, count, i;
	double start;
	int err;

	start = now_ns();
	do {
		/* One more than is left: never 0, and the last call sees the end. */
		count = n + 1 - total;
		err = bpf_map_lookup_batch(t->fd, calls ? in : NULL, out, keys + total,
					   vals + total, &count, NULL);
		if (err && errno != ENOENT)
			die("[%s] lookup batch after %u elements: %s", t->kind->name, total,
			    strerror(errno));
		total += count;
		memcpy(in, out, sizeof(in));
		if (++calls > n + 1 || total > n)
			die("[%s] lookup batch: %u calls returned %u of %u elements",
			    t->kind->name, calls, total, n);
	} while (!err);
	r->ns_per_op = (now_ns() - start) / n;
	r->ops = n;
	memset(seen, 0, n);
	r->errors = n - total;
	for (i = 0; i < total; i++) {
		if (keys[i] >= n || seen[keys[i]]++ || vals[i] != keys[i])
			r->errors++;
	}
	return calls;
}

static void bench_batch(void)
{
	__u32 n = sz->batch, *keys = calloc(n + 1, sizeof(*keys));
	__u64 *vals = calloc(n + 1, sizeof(*vals));
	unsigned char *seen = malloc(n);
	struct target t[NR_KINDS];
	unsigned int i, calls;
	struct result r;
	int rep;

	if (!keys || !vals || !seen)
		die("out of memory for %u elements", n);
	for (i = 0; i < NR_KINDS; i++) {
		target_open(&t[i], kind_names[i], sizeof(__u32), n);
		fill(&t[i], n);
	}
	for (rep = -(int)warmups; rep < (int)reps; rep++)
		for (i = 0; i < NR_KINDS; i++) {
			struct target *k = &t[kind_at(rep, i)];

			calls = batch_lookup(k, n, keys, vals, seen, &r);
			if (rep < 0)
				continue;
			printf("bench: sample case=batch_lookup key_size=%u nr_keys=%u "
			       "max_entries=%u driver=syscall kind=%s rep=%u ops=%llu "
			       "ns_per_op=%.3f errors=%llu calls=%u\n", k->key_size, n,
			       k->max_entries, k->kind->name, rep + 1, r.ops, r.ns_per_op,
			       r.errors, calls);
		}
	for (i = 0; i < NR_KINDS; i++)
		target_close(&t[i]);
	free(seen);
	free(vals);
	free(keys);
}

static void bench_memory(void)
{
	struct bpf_program *prog;
	unsigned int i, p;
	struct target t;

	for (i = 0; i < NR_KINDS; i++) {
		target_open(&t, kind_names[i], sizeof(__u32), sz->mem_max);
		prog = target_prog(&t, "fill");
		t.skel->bss->pos = 0;
		t.skel->bss->errors = 0;
		for (p = 0; p < sz->nr_mem_points; p++) {
			__u32 want = sz->mem_points[p];
			__u64 left = want - t.skel->bss->pos;
			char pkt[64] = {};
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
				    .data_size_in = sizeof(pkt),
				    .repeat = (left + LOOP - 1) / LOOP);

			t.skel->bss->stop = want;
			if (left && bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
				die("[%s] fill to %u: %s", t.kind->name, want, strerror(errno));
			if (t.skel->bss->pos != want)
				die("[%s] fill to %u stopped at %llu", t.kind->name, want,
				    (unsigned long long)t.skel->bss->pos);
			printf("bench: mem kind=%s max_entries=%u elements=%u memlock=%llu "
			       "errors=%llu\n", t.kind->name, sz->mem_max, want,
			       settled_memlock(t.fd), (unsigned long long)t.skel->bss->errors);
		}
		target_close(&t);
	}
}

static const struct group {
	const char *name;
	void (*run)(void);
} groups[] = {
	{ "full_update", bench_full_update },
	{ "update", bench_update },
	{ "lookup", bench_lookup },
	{ "insert_delete", bench_insert_delete },
	{ "overwrite", bench_overwrite },
	{ "batch", bench_batch },
	{ "memory", bench_memory },
};
#define NR_GROUPS (sizeof(groups) / sizeof(groups[0]))

static void __attribute__((noreturn)) usage(const char *why)
{
	unsigned int g;

	printf("bench: error: %s\nusage: rhb_bench [--smoke] [--reps N] [GROUP...]\ngroups:", why);
	for (g = 0; g < NR_GROUPS; g++)
		printf(" %s", groups[g].name);
	printf("\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool selected[NR_GROUPS] = {}, any = false;
	const char *sep = "";
	struct utsname uts;
	unsigned int g, i;
	char *end;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--smoke")) {
			sz = &smoke_sizes;
			reps = 1;
			warmups = 0;
		} else if (!strcmp(argv[a], "--reps") && a + 1 < argc) {
			reps = strtoul(argv[++a], &end, 10);
			if (*end || !reps || reps > 1000)
				usage("--reps takes 1..1000");
		} else {
			for (g = 0; g < NR_GROUPS && strcmp(argv[a], groups[g].name); g++)
				;
			if (g == NR_GROUPS)
				usage("no such group");
			selected[g] = any = true;
		}
	}
	if (access(BENCH_FILE, W_OK))
		die("%s: %s (a kernel without CONFIG_BPF_MAP_BENCH?)", BENCH_FILE,
		    strerror(errno));
	if (uname(&uts))
		die("uname: %s", strerror(errno));

	printf("bench: plan groups=");
	for (g = 0; g < NR_GROUPS; g++) {
		if (any && !selected[g])
			continue;
		printf("%s%s", sep, groups[g].name);
		sep = ",";
	}
	printf(" reps=%u warmups=%u smoke=%d loop=%d kinds=", reps, warmups,
	       sz == &smoke_sizes, LOOP);
	for (i = 0; i < NR_KINDS; i++)
		printf("%s%s", i ? "," : "", kind_names[i]);
	printf(" kernel=%s\n", uts.release);

	for (g = 0; g < NR_GROUPS; g++)
		if (!any || selected[g])
			groups[g].run();
	printf("bench: done\n");
	return 0;
}
