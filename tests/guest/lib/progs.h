/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for BPF objects whose programs load one at a time. */
#ifndef RHB_PROGS_H
#define RHB_PROGS_H

#include <bpf/libbpf.h>
#include <stddef.h>

/*
 * Program @name of opened object @obj (a SEC("?...") one, not loaded by
 * default) is to load, its verifier log into @log of @size (emptied).
 * Fails the test if there is no such program.
 */
struct bpf_program *rhb_prog_enable(struct bpf_object *obj, const char *name, char *log,
				    size_t size);

#endif
