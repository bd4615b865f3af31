/*
 * The hash that places a key in the slots of the workers' memories
 * (credmemo.c, listcache.c, rescache.c): FNV-1a over a first byte (0 for
 * none) and a string.
 */
#include "config.h"

#include <stdint.h>

#include "handlers.h"

uint64_t
memo_hash(const char *s, char first)
{
	uint64_t	h = 1469598103934665603ULL;

	if (first != 0) {
		h ^= (unsigned char)first;
		h *= 1099511628211ULL;
	}
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}
