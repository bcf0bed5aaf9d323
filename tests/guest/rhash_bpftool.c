// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_bpftool: the guest's bpftool (/bin/bpftool, built from the tree)
 * knows BPF_MAP_TYPE_RHASH as "rhash": it creates and pins one, updates,
 * looks up, walks, deletes and shows it, and its output agrees with what
 * libbpf reads from (and writes into) the same pinned map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps.h"

RHB_SUITE("rhash_bpftool");

#define PIN "/sys/fs/bpf/x"
#define CREATE "bpftool map create " PIN " type rhash key 4 value 8 entries 16 name x"

/* Runs shell command @cmd; returns its output (stdout and stderr), *@status its exit status. */
static char *sh(const char *cmd, int *status)
{
	char full[512];
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	FILE *p;
	int raw;

	ck_assert(out);
	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	ck_assert_msg(p, "popen(%s): errno %d (%s)", cmd, errno, strerror(errno));
	for (;;) {
		size_t n = fread(out + len, 1, cap - len - 1, p);

		len += n;
		if (!n)
			break;
		if (len == cap - 1) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert(out);
		}
	}
	out[len] = '\0';
	raw = pclose(p);
	ck_assert_msg(raw != -1 && WIFEXITED(raw), "%s: did not exit (status 0x%x)", cmd, raw);
	*status = WEXITSTATUS(raw);
	return out;
}

/* @out on one line, for a failure message (KTAP takes one line). */
static const char *oneline(char *out)
{
	char *nl;

	while ((nl = strchr(out, '\n')))
		*nl = '|';
	return out;
}

/* Runs @cmd, which must succeed; returns its output. */
static char *sh_ok(const char *cmd)
{
	int status;
	char *out = sh(cmd, &status);

	ck_assert_msg(status == 0, "%s: expected exit status 0, got %d, output: %s", cmd, status,
		      oneline(out));
	return out;
}

/* Runs @cmd, which must fail and say @why (e.g. strerror() of the errno it got). */
static void sh_fails(const char *cmd, const char *why)
{
	int status;
	char *out = sh(cmd, &status);

	ck_assert_msg(status != 0 && strstr(out, why),
		      "%s: expected failure saying \"%s\", got exit status %d, output: %s", cmd,
		      why, status, oneline(out));
	free(out);
}

/* Asserts that @out has @want in it. */
#define expect_output(cmd, out, want)					\
	ck_assert_msg(strstr(out, want), "%s: expected \"%s\" in the output: %s", cmd, want, \
		      oneline(out))

/* Creates the map at PIN with bpftool (unpinning any leftover); returns a libbpf fd to it. */
static int create_pinned(void)
{
	int fd;

	unlink(PIN);
	free(sh_ok(CREATE " flags 1"));
	fd = bpf_obj_get(PIN);
	ck_assert_msg(fd >= 0, "bpf_obj_get(%s): errno %d (%s)", PIN, errno, strerror(errno));
	return fd;
}

static void unpin(int fd)
{
	close(fd);
	ck_assert_msg(!unlink(PIN), "unlink %s: errno %d (%s)", PIN, errno, strerror(errno));
}

static void user_insert(int fd, __u32 key, __u64 value)
{
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST));
}

/* Asserts from libbpf that @key has @want. */
static void expect_value(int fd, __u32 key, __u64 want)
{
	__u64 got = ~want;

	rhb_assert_ok(bpf_map_lookup_elem(fd, &key, &got));
	ck_assert_msg(got == want, "libbpf lookup of key %u: expected %llu, got %llu", key,
		      (unsigned long long)want, (unsigned long long)got);
}

RHB_TEST(create_makes_rhash_map)
{
	int fd = create_pinned();
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	rhb_assert_ok(bpf_map_get_info_by_fd(fd, &info, &len));
	ck_assert_msg(info.type == BPF_MAP_TYPE_RHASH && info.key_size == 4 &&
		      info.value_size == 8 && info.max_entries == 16 &&
		      info.map_flags == BPF_F_NO_PREALLOC && !strcmp(info.name, "x"),
		      "map from bpftool: type %u key %u value %u max_entries %u flags 0x%x name "
		      "%s, expected %u 4 8 16 0x%x x", info.type, info.key_size, info.value_size,
		      info.max_entries, info.map_flags, info.name, BPF_MAP_TYPE_RHASH,
		      BPF_F_NO_PREALLOC);
	unpin(fd);
}
END_TEST

RHB_TEST(create_without_no_prealloc_einval)
{
	unlink(PIN);
	sh_fails(CREATE, strerror(EINVAL));
	ck_assert_msg(access(PIN, F_OK) && errno == ENOENT, "%s exists after a failed create",
		      PIN);
}
END_TEST

RHB_TEST(update_then_lookup)
{
	static const char *lookup = "bpftool map lookup pinned " PIN " key 1 0 0 0";
	int fd = create_pinned();
	char *out;

	free(sh_ok("bpftool map update pinned " PIN " key 1 0 0 0 value 2 0 0 0 0 0 0 0"));
	expect_value(fd, 1, 2);
	out = sh_ok(lookup);
	expect_output(lookup, out, "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00");
	free(out);
	unpin(fd);
}
END_TEST

RHB_TEST(update_flags_errnos)
{
	int fd = create_pinned();

	user_insert(fd, 1, 5);
	sh_fails("bpftool map update pinned " PIN " key 1 0 0 0 value 2 0 0 0 0 0 0 0 noexist",
		 strerror(EEXIST));
	sh_fails("bpftool map update pinned " PIN " key 2 0 0 0 value 2 0 0 0 0 0 0 0 exist",
		 strerror(ENOENT));
	expect_value(fd, 1, 5);
	free(sh_ok("bpftool map update pinned " PIN " key 1 0 0 0 value 6 0 0 0 0 0 0 0 exist"));
	free(sh_ok("bpftool map update pinned " PIN " key 2 0 0 0 value 7 0 0 0 0 0 0 0 noexist"));
	expect_value(fd, 1, 6);
	expect_value(fd, 2, 7);
	unpin(fd);
}
END_TEST

RHB_TEST(lookup_missing_key_enoent)
{
	int fd = create_pinned();

	user_insert(fd, 1, 5);
	/* bpftool words -ENOENT from a lookup its own way. */
	sh_fails("bpftool map lookup pinned " PIN " key 9 0 0 0", "Not found");
	unpin(fd);
}
END_TEST

RHB_TEST(dump_lists_each_element_once)
{
	static const char *dump = "bpftool map dump pinned " PIN;
	static const char *const lines[] = {
		"key: 01 00 00 00  value: 0b 00 00 00 00 00 00 00\n",
		"key: 02 00 00 00  value: 16 00 00 00 00 00 00 00\n",
		"key: 03 00 00 00  value: 21 00 00 00 00 00 00 00\n",
	};
	int fd = create_pinned();
	unsigned int i;
	char *out, *at;

	for (i = 1; i <= 3; i++)
		user_insert(fd, i, i * 11);
	out = sh_ok(dump);
	for (i = 0; i < 3; i++) {
		at = strstr(out, lines[i]);
		ck_assert_msg(at && !strstr(at + 1, lines[i]),
			      "%s: expected \"%.48s\" once in the output: %s", dump, lines[i],
			      oneline(out));
	}
	expect_output(dump, out, "Found 3 elements");
	free(out);
	unpin(fd);
}
END_TEST

RHB_TEST(show_names_type_rhash)
{
	static const char *show = "bpftool map show pinned " PIN;
	static const char *json = "bpftool -j map show pinned " PIN;
	int fd = create_pinned();
	char *out;

	out = sh_ok(show);
	expect_output(show, out, ": rhash  name x  flags 0x1\n");
	expect_output(show, out, "key 4B  value 8B  max_entries 16  memlock ");
	free(out);
	out = sh_ok(json);
	expect_output(json, out, "\"type\":\"rhash\"");
	free(out);
	unpin(fd);
}
END_TEST

RHB_TEST(getnext_and_delete)
{
	static const char *getnext = "bpftool map getnext pinned " PIN;
	int fd = create_pinned();
	__u32 key = 4;
	__u64 got;
	char *out;

	/* One key: it is the first, and nothing comes after it. */
	user_insert(fd, 4, 44);
	out = sh_ok(getnext);
	expect_output(getnext, out, "next key:\n04 00 00 00");
	free(out);
	sh_fails("bpftool map getnext pinned " PIN " key 4 0 0 0", strerror(ENOENT));
	free(sh_ok("bpftool map delete pinned " PIN " key 4 0 0 0"));
	rhb_assert_errno(bpf_map_lookup_elem(fd, &key, &got), ENOENT);
	sh_fails("bpftool map delete pinned " PIN " key 4 0 0 0", strerror(ENOENT));
	unpin(fd);
}
END_TEST

RHB_TEST(feature_probe_finds_rhash)
{
	static const char *probe = "bpftool feature probe kernel";
	char *out = sh_ok(probe);

	/* libbpf probes it with BPF_F_NO_PREALLOC, which the map requires. */
	expect_output(probe, out, "eBPF map_type rhash is available");
	free(out);
}
END_TEST
