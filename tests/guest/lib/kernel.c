// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel.h"

int rhb_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : (size_t)n == len ? 0 : -EIO;
}

int rhb_load_module(const char *relpath, const char *params)
{
	char path[512];
	struct utsname u;
	int fd, err = 0;

	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release, relpath);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

int rhb_unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int rhb_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

char *rhb_kmsg_read(int fd)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap), rec[8192];
	ssize_t n;

	if (!out)
		return NULL;
	out[0] = '\0';
	/* One record per read(); EAGAIN: no more; EPIPE: overwritten, go on. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) >= 0 || errno == EPIPE) {
		char *msg, *end;
		size_t mlen;

		if (n <= 0)
			continue;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		end = strchr(msg, '\n');
		mlen = end ? (size_t)(end - msg) : strlen(msg);
		if (len + mlen + 2 > cap) {
			char *bigger;

			cap = 2 * (len + mlen + 2);
			bigger = realloc(out, cap);
			if (!bigger)
				break;
			out = bigger;
		}
		memcpy(out + len, msg, mlen);
		len += mlen;
		out[len++] = '\n';
		out[len] = '\0';
	}
	return out;
}

#define FAILSLAB "/sys/kernel/debug/failslab/"

/* Opened before arming: once armed, opening a file would fail too. */
static int make_it_fail_fd = -1;

int rhb_failslab_arm(int times)
{
	/* Every allocation fails, GFP_KERNEL too, for this task only. */
	static const char *const knobs[][2] = {
		{ FAILSLAB "probability", "100" },
		{ FAILSLAB "interval", "1" },
		{ FAILSLAB "ignore-gfp-wait", "N" },
		{ FAILSLAB "task-filter", "Y" },
		{ FAILSLAB "verbose", "0" },
	};
	char n[16];
	unsigned int i;
	int err;

	if (access(FAILSLAB, F_OK))
		return -ENOENT;
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		err = rhb_write_file(knobs[i][0], knobs[i][1]);
		if (err)
			return err;
	}
	snprintf(n, sizeof(n), "%d", times);
	err = rhb_write_file(FAILSLAB "times", n);
	if (err)
		return err;
	if (make_it_fail_fd < 0)
		make_it_fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (make_it_fail_fd < 0)
		return -errno;
	return write(make_it_fail_fd, "1", 1) == 1 ? 0 : -errno;
}

int rhb_failslab_disarm(void)
{
	if (make_it_fail_fd < 0)
		return 0;
	return write(make_it_fail_fd, "0", 1) == 1 ? 0 : -errno;
}
