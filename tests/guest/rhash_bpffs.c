// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_bpffs: reading a pinned BPF_MAP_TYPE_RHASH map in bpffs. A map with
 * BTF prints a two-line warning, then one "key: value" line per element,
 * both formatted by btf_type_seq_show(): the same text as a HASH map with
 * the same types and elements, only in RHASH's walk order. The maps come
 * from progs/rhash_bpffs.bpf.c, pinned by libbpf (LIBBPF_PIN_BY_NAME).
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "maps.h"
#include "rhash_bpffs.skel.h"

RHB_SUITE("rhash_bpffs");

#define PIN_RHASH "/sys/fs/bpf/rhb_bpffs_rhash"
#define PIN_HASH "/sys/fs/bpf/rhb_bpffs_hash"
#define HEADER "# WARNING!! The output is for debug purpose only\n" \
	       "# WARNING!! The output format will change\n"

/* struct val of rhash_bpffs.bpf.c */
struct val {
	__u64 bytes;
	__s32 delta;
	char tag[4];
	__u8 raw[2];
};

/* The two maps, pinned; leftovers of an earlier run are unpinned first. */
static struct rhash_bpffs *load(void)
{
	struct rhash_bpffs *skel;

	unlink(PIN_RHASH);
	unlink(PIN_HASH);
	skel = rhash_bpffs__open_and_load();
	ck_assert_msg(skel, "rhash_bpffs__open_and_load: errno %d (%s)", errno, strerror(errno));
	return skel;
}

static void unload(struct rhash_bpffs *skel)
{
	rhash_bpffs__destroy(skel);
	ck_assert_msg(!unlink(PIN_RHASH) && !unlink(PIN_HASH), "unpinning: errno %d (%s)", errno,
		      strerror(errno));
}

/* The value of key @i: each member of each kind, negative, zero, (non-)printable. */
static struct val val_of(__u32 i)
{
	struct val v = {
		.bytes = i * 1000ULL,
		.delta = (__s32)i - 5,
		.tag = { 'a' + i % 26, i % 3 ? '0' + i % 10 : 7, i % 2 ? '-' : 0, 0 },
		/* 200: printable to the kernel, Latin-1. */
		.raw = { i % 4 ? i : 0, 200 },
	};

	return v;
}

static void fill(struct rhash_bpffs *skel, __u32 n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		struct val v = val_of(i);

		rhb_assert_ok(bpf_map__update_elem(skel->maps.rhb_bpffs_rhash, &i, sizeof(i), &v,
						   sizeof(v), BPF_NOEXIST));
		rhb_assert_ok(bpf_map__update_elem(skel->maps.rhb_bpffs_hash, &i, sizeof(i), &v,
						   sizeof(v), BPF_NOEXIST));
	}
}

/* The kernel's isprint(): ASCII, and Latin-1 from 160 up. */
static bool kernel_isprint(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

/*
 * A char array as btf_type_seq_show() prints it (arrays of 1-byte ints are
 * taken for strings): up to the first NUL, printable bytes quoted, others
 * as numbers of the element's signedness; each element followed by a comma.
 */
static char *show_chars(char *out, const void *array, unsigned int n, bool sign)
{
	const unsigned char *a = array;
	unsigned int i;

	out += sprintf(out, "[");
	for (i = 0; i < n && a[i]; i++) {
		if (kernel_isprint(a[i]))
			out += sprintf(out, "'%c',", a[i]);
		else if (sign)
			out += sprintf(out, "%d,", (signed char)a[i]);
		else
			out += sprintf(out, "%u,", a[i]);
	}
	return out + sprintf(out, "],");
}

/* The line of key @i: compact, every member followed by a comma. */
static void line_of(char *out, __u32 i)
{
	struct val v = val_of(i);

	out += sprintf(out, "%u: {%llu,%d,", i, (unsigned long long)v.bytes, v.delta);
	out = show_chars(out, v.tag, sizeof(v.tag), true);
	out = show_chars(out, v.raw, sizeof(v.raw), false);
	sprintf(out, "}\n");
}

/* Reads all of @path, @chunk bytes per read(). */
static char *read_file(const char *path, size_t chunk)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: errno %d (%s)", path, errno, strerror(errno));
	ck_assert(buf);
	for (;;) {
		if (len + chunk > cap) {
			cap = 2 * (len + chunk);
			buf = realloc(buf, cap + 1);
			ck_assert(buf);
		}
		n = read(fd, buf + len, chunk);
		ck_assert_msg(n >= 0 && (size_t)n <= chunk, "read %zu of %s at %zu: %zd (errno %d)",
			      chunk, path, len, n, errno);
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* The keys of map @fd in get_next_key order, which bpffs follows; returns how many. */
static __u32 key_order(int fd, __u32 *keys, __u32 max)
{
	__u32 n = 0;

	while (n < max && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	return n;
}

/*
 * Asserts that @text is HEADER, then the line of each key 0..@n-1 exactly
 * once, in the order of @order if not NULL.
 */
static void expect_text(const char *what, const char *text, __u32 n, const __u32 *order)
{
	unsigned char *seen = calloc(n + 1, 1);
	const char *at = text, *end;
	char want[256], got[256];
	__u32 i, key;

	ck_assert(seen);
	ck_assert_msg(!strncmp(text, HEADER, strlen(HEADER)), "%s: expected the warning "
		      "header, got \"%.100s\"", what, text);
	at += strlen(HEADER);
	for (i = 0; *at; i++, at = end + 1) {
		end = strchr(at, '\n');
		ck_assert_msg(end && end - at < (long)sizeof(got) - 1, "%s: line %u is not a whole "
			      "line", what, i + 3);
		memcpy(got, at, end - at + 1);
		got[end - at + 1] = '\0';
		ck_assert_msg(sscanf(got, "%u:", &key) == 1 && key < n, "%s: line %u is "
			      "\"%.*s\", not an element", what, i + 3, (int)(end - at), got);
		ck_assert_msg(!seen[key]++, "%s: key %u printed twice", what, key);
		line_of(want, key);
		/* The messages leave the newline out: KTAP takes one line. */
		ck_assert_msg(!strcmp(got, want), "%s: expected \"%.*s\", got \"%.*s\"", what,
			      (int)strlen(want) - 1, want, (int)strlen(got) - 1, got);
		if (order)
			ck_assert_msg(key == order[i], "%s: line %u has key %u, the walk order "
				      "says %u", what, i + 3, key, order[i]);
	}
	ck_assert_msg(i == n, "%s: %u elements printed, expected %u", what, i, n);
	free(seen);
}

/* Reads both pinned maps of @n elements with @chunk-byte reads: the same lines each. */
static void expect_both(struct rhash_bpffs *skel, __u32 n, size_t chunk)
{
	__u32 *order = calloc(n + 1, sizeof(*order));
	char what[64];
	char *text;

	ck_assert(order);
	ck_assert_int_eq(key_order(bpf_map__fd(skel->maps.rhb_bpffs_rhash), order, n + 1), n);
	text = read_file(PIN_RHASH, chunk);
	snprintf(what, sizeof(what), "cat of RHASH, reads of %zu", chunk);
	expect_text(what, text, n, order);
	free(text);
	text = read_file(PIN_HASH, chunk);
	snprintf(what, sizeof(what), "cat of HASH, reads of %zu", chunk);
	expect_text(what, text, n, NULL);
	free(text);
	free(order);
}

RHB_TEST(cat_prints_each_element_btf_formatted_as_hash_does)
{
	struct rhash_bpffs *skel = load();
	char line[256];

	/* The format, pinned on two keys: a change shows here first. */
	line_of(line, 0);
	ck_assert_str_eq(line, "0: {0,-5,['a',7,],[],}\n");
	line_of(line, 13);
	ck_assert_str_eq(line, "13: {13000,8,['n','3','-',],[13,'\xc8',],}\n");
	fill(skel, 40);
	expect_both(skel, 40, 1 << 16);
	unload(skel);
}
END_TEST

RHB_TEST(cat_of_empty_map_prints_the_header_only)
{
	struct rhash_bpffs *skel = load();
	char *text;

	text = read_file(PIN_RHASH, 1 << 16);
	ck_assert_str_eq(text, HEADER);
	free(text);
	text = read_file(PIN_HASH, 1 << 16);
	ck_assert_str_eq(text, HEADER);
	free(text);
	unload(skel);
}
END_TEST

RHB_TEST(cat_of_2000_elements_in_7_and_4096_byte_reads)
{
	struct rhash_bpffs *skel = load();

	/*
	 * Many seq_file buffers: each refill resumes after the key shown last.
	 * A 7-byte read refills once per element, a 4096-byte one every ~90.
	 */
	fill(skel, 2000);
	expect_both(skel, 2000, 7);
	expect_both(skel, 2000, 4096);
	unload(skel);
}
END_TEST

RHB_TEST(cat_of_200_elements_in_1_byte_reads)
{
	struct rhash_bpffs *skel = load();

	/*
	 * Each byte a read() of its own. The map is shown once per element,
	 * as with 7-byte reads: the other reads of a line copy from seq_file's
	 * buffer. 200 elements, not 2000: 90000 more reads reach no map code.
	 */
	fill(skel, 200);
	expect_both(skel, 200, 1);
	unload(skel);
}
END_TEST

RHB_TEST(cat_after_deletes_prints_what_is_left)
{
	struct rhash_bpffs *skel = load();
	__u32 key;

	fill(skel, 100);
	for (key = 50; key < 100; key++) {
		rhb_assert_ok(bpf_map__delete_elem(skel->maps.rhb_bpffs_rhash, &key, sizeof(key),
						   0));
		rhb_assert_ok(bpf_map__delete_elem(skel->maps.rhb_bpffs_hash, &key, sizeof(key),
						   0));
	}
	expect_both(skel, 50, 1 << 16);
	unload(skel);
}
END_TEST

RHB_TEST(pinned_map_without_btf_cannot_be_read_eio)
{
	static const char *path = "/sys/fs/bpf/rhb_bpffs_no_btf";
	const struct rhb_map_kind *k;

	/* Without BTF there is no text to print: the file does not open, as for HASH. */
	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), 16);

		rhb_insert_range(k, fd, 0, 4);
		unlink(path);
		rhb_kassert_ok(k, bpf_obj_pin(fd, path));
		rhb_kassert_errno(k, open(path, O_RDONLY), EIO);
		ck_assert_msg(!unlink(path), "[%s] unlink %s: errno %d", k->name, path, errno);
		close(fd);
	}
}
END_TEST
