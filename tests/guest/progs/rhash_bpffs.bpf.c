// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the rhash_bpffs suite: an RHASH map and a HASH map with the
 * same BTF key and value types, pinned by name under /sys/fs/bpf when the
 * object loads, so that "cat" of each prints its elements BTF-formatted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

/* A value with a member of each kind btf_type_seq_show() formats differently. */
struct val {
	__u64 bytes;
	__s32 delta;
	char tag[4];
	__u8 raw[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct val);
} rhb_bpffs_rhash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct val);
} rhb_bpffs_hash SEC(".maps");
