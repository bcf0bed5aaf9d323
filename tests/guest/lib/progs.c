// SPDX-License-Identifier: GPL-2.0
#include "progs.h"
#include "rhb_test.h"

struct bpf_program *rhb_prog_enable(struct bpf_object *obj, const char *name, char *log,
				    size_t size)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	ck_assert_msg(prog, "no program %s in %s", name, bpf_object__name(obj));
	ck_assert_int_eq(bpf_program__set_autoload(prog, true), 0);
	ck_assert_int_eq(bpf_program__set_log_buf(prog, log, size), 0);
	log[0] = '\0';
	return prog;
}
