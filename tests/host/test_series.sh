#!/usr/bin/env bash
# The series in linux/: the RHASH sub-series applies alone on the pristine
# base, and every patch is checkpatch --strict clean.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

expect_status 0 make -s -C "$top" series-check
expect_output 'linux/rhash applies alone on the base'
expect_output 'checkpatch --strict clean'
done_checks
