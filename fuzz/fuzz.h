/*
 * Shared by the libFuzzer targets in fuzz/ (built with --enable-fuzzing).
 * Each target states its input format at the top; FUZZ_CHECK() turns a
 * broken invariant into a crash that libFuzzer records like any other.
 */
#ifndef APCONN_FUZZ_H
#define APCONN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated malloc'd copy of d[0..n) (cut at any NUL inside). */
static inline char *
fuzz_str(const uint8_t *d, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/*
 * Takes the next part of *d (up to the separator sep, or the rest) and
 * advances past it.  Returns the part's length with *part at its start.
 */
static inline size_t
fuzz_part(const uint8_t **d, size_t *n, const char *sep,
    const uint8_t **part)
{
	size_t	 seplen = strlen(sep), i, len;

	*part = *d;
	for (i = 0; i + seplen <= *n; i++)
		if (memcmp(*d + i, sep, seplen) == 0) {
			*d += i + seplen;
			*n -= i + seplen;
			return i;
		}
	len = *n;
	*d += len;
	*n = 0;
	return len;
}

#endif
