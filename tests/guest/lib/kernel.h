/* SPDX-License-Identifier: GPL-2.0 */
/* Guest helpers that talk to the kernel: files, modules, the kernel log. */
#ifndef RHB_KERNEL_H
#define RHB_KERNEL_H

#include <stddef.h>

/* Writes @s to @path; returns 0 or -errno. */
int rhb_write_file(const char *path, const char *s);

/* Loads /lib/modules/$(uname -r)/@relpath with @params; 0 or -errno. */
int rhb_load_module(const char *relpath, const char *params);
int rhb_unload_module(const char *name);

/*
 * The kernel log from now on: rhb_kmsg_open() marks the end of the log,
 * rhb_kmsg_read() returns (malloc'ed, NUL-terminated) every message logged
 * since, one per line, without the /dev/kmsg record prefix.
 */
int rhb_kmsg_open(void);
char *rhb_kmsg_read(int fd);

/*
 * Fault injection (kasan variant): the next @times slab allocations of the
 * calling task fail (-1: all of them), sleeping ones included; other tasks
 * are untouched. Returns 0, or -ENOENT on a kernel without failslab.
 * rhb_failslab_disarm() stops it; both return 0 or -errno.
 */
int rhb_failslab_arm(int times);
int rhb_failslab_disarm(void);

#endif
