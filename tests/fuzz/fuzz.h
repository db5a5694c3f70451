/*
 * fuzz.h: the libFuzzer entry point every target in tests/fuzz defines.
 *
 * Built with --enable-fuzzing (clang), libFuzzer drives the target; else
 * driver.c runs it over its seed corpus as a TAP test, so every gcc build
 * replays the corpus (and any crash file added to it) under the normal
 * test suite.
 */
#ifndef VPS_FUZZ_H
#define VPS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: abort, which both libFuzzer and the driver report. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
