// SPDX-License-Identifier: GPL-2.0
/*
 * fault: map operations with slab allocations failing (failslab, kasan
 * variant; the cases skip elsewhere). A failed allocation must give a clear
 * -ENOMEM and lose nothing: the map is whole afterwards.
 */
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"
#include "maps.h"

RHB_SUITE("fault");

#define NR_KEYS 100

/*
 * Every slab allocation of this task fails from here to disarm(): the
 * kernel falls back from kmalloc() to vmalloc(), so failing one is not
 * enough to see an error.
 */
static void arm(void)
{
	int err = rhb_failslab_arm(-1);

	if (err == -ENOENT)
		rhb_skip("no failslab in this kernel (run the kasan variant)");
	ck_assert_msg(!err, "arming failslab: %s", strerror(-err));
}

static void disarm(void)
{
	int err = rhb_failslab_disarm();

	ck_assert_msg(!err, "disarming failslab: %s", strerror(-err));
}

/* Counts the keys of @fd with get_next_key; each must be below NR_KEYS. */
static unsigned int count_keys(const struct rhb_map_kind *k, int fd)
{
	__u32 key, next, n = 0;
	int err;

	for (err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		ck_assert_msg(next < NR_KEYS, "[%s] unexpected key %u", k->name, next);
		key = next;
		n++;
	}
	ck_assert_msg(errno == ENOENT, "[%s] get_next_key: %s", k->name, strerror(errno));
	return n;
}

static int create_filled(const struct rhb_map_kind *k)
{
	int fd = rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), NR_KEYS);
	__u64 value = 1;
	__u32 key;

	for (key = 0; key < NR_KEYS; key++)
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST));
	return fd;
}

RHB_TEST(map_create_enomem_under_failslab)
{
	const struct rhb_map_kind *k;
	int fd, err;

	rhb_for_each_map_kind(k) {
		arm();
		fd = rhb_map_create(k, sizeof(__u32), sizeof(__u64), NR_KEYS, 0, NULL);
		err = errno;
		disarm();
		ck_assert_msg(fd < 0 && err == ENOMEM,
			      "[%s] create with failslab armed: expected -ENOMEM, got %d (%s)",
			      k->name, fd, strerror(err));
		close(create_filled(k));
	}
}
END_TEST

RHB_TEST(lookup_and_delete_batch_enomem_loses_nothing)
{
	__u32 keys[NR_KEYS], count, batch;
	const struct rhb_map_kind *k;
	__u64 values[NR_KEYS];
	int fd, ret, err;

	rhb_for_each_map_kind(k) {
		fd = create_filled(k);
		/* In and out: the kernel writes back how many it returned. */
		count = NR_KEYS;
		arm();
		ret = bpf_map_lookup_and_delete_batch(fd, NULL, &batch, keys, values, &count,
						      NULL);
		err = errno;
		disarm();
		ck_assert_msg(ret < 0 && err == ENOMEM,
			      "[%s] lookup_and_delete_batch with failslab armed: expected -ENOMEM, "
			      "got %d (%s)", k->name, ret, strerror(err));
		rhb_kassert_u64_eq(k, count_keys(k, fd), NR_KEYS);
		close(fd);
	}
}
END_TEST
