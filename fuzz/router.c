/*
 * The router over the real table (handlers/routes.c), against a reference
 * matcher written from router.c's contract alone: the path and the
 * pattern are split on every '/', ":name" takes one non-empty segment, a
 * last "*name" takes the non-empty rest, anything else must be equal,
 * and the counts must agree (no trailing-slash folding).  route_find()
 * must return the first row that matches with the method, else 405 with
 * every matching row's methods, else 404.
 *
 * Input: one byte for the method (low 3 bits: 0 for none, else one of
 * the seven; the high bit runs with an arena too small for captures),
 * then the path.  A row that captures and then fails to match keeps its
 * captures in the arena (a bounded waste: nginx bounds the path), so
 * running out may come before any row matches.
 */
#include "config.h"

#include <string.h>

#include "fcgi/http.h"
#include "handlers/handlers.h"
#include "fuzz.h"

struct split {
	char	**seg;
	size_t	  n;
};

/*
 * Splits s (after its leading '/') on every '/' in place, empty segments
 * kept; sp->seg is malloc'd.
 */
static void
split(char *s, struct split *sp)
{
	char	*p;

	if ((sp->seg = calloc(strlen(s) + 1, sizeof(*sp->seg))) == NULL)
		abort();
	sp->n = 0;
	for (p = s + 1;; p++) {
		sp->seg[sp->n++] = p;
		if ((p = strchr(p, '/')) == NULL)
			return;
		*p = '\0';
	}
}

/*
 * Returns 1 and the captures (malloc'd) when path matches pattern, else 0.
 */
static int
ref_match(const char *pattern, const char *path, char **cap, size_t *ncap)
{
	struct split	 ps, ss;
	char		*pp, *sp;
	const char	*rest;
	size_t		 i, j;
	int		 rc = 0;

	*ncap = 0;
	if (path[0] != '/')
		return 0;
	pp = strdup(pattern);
	sp = strdup(path);
	if (pp == NULL || sp == NULL)
		abort();
	split(pp, &ps);
	split(sp, &ss);
	for (i = 0; i < ps.n; i++) {
		if (ps.seg[i][0] == '*') {
			FUZZ_CHECK(i + 1 == ps.n);
			if (i >= ss.n)
				goto out;
			/* The rest of the original path from segment i. */
			rest = path;
			for (j = 0; j <= i; j++)
				rest = strchr(rest, '/') + 1;
			if (*rest == '\0' || *ncap == ROUTE_MAXPARAMS)
				goto out;
			cap[(*ncap)++] = strdup(rest);
			rc = 1;
			goto out;
		}
		if (i >= ss.n)
			goto out;
		if (ps.seg[i][0] == ':') {
			if (ss.seg[i][0] == '\0' || *ncap == ROUTE_MAXPARAMS)
				goto out;
			cap[(*ncap)++] = strdup(ss.seg[i]);
		} else if (strcmp(ps.seg[i], ss.seg[i]) != 0)
			goto out;
	}
	rc = ss.n == ps.n;
out:
	if (rc != 1) {
		for (i = 0; i < *ncap; i++)
			free(cap[i]);
		*ncap = 0;
	}
	free(ps.seg);
	free(ss.seg);
	free(pp);
	free(sp);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int methods[] = {
		0, M_GET, M_HEAD, M_POST, M_PUT, M_PATCH, M_DELETE, M_OPTIONS
	};
	const struct route	*rt, *first = NULL, *found;
	struct arena		 a;
	struct req		 r;
	char			*path, *cap[ROUTE_MAXPARAMS];
	size_t			 ncap, i;
	unsigned int		 allowed = 0, want_allowed = 0;
	int			 m, ref, st = 0, oom = 0, small;

	if (size < 1)
		return 0;
	small = (data[0] & 0x80) != 0;
	memset(&r, 0, sizeof(r));
	r.method = methods[data[0] & 7];
	r.path = path = fuzz_str(data + 1, size - 1);
	arena_init(&a, small ? 32 : ARENA_MAX);
	r.arena = &a;

	/*
	 * Row by row, without resetting the arena: route_find() allocates
	 * the same captures in the same order, so it runs out where this
	 * loop does.
	 */
	for (rt = routes; rt->pattern != NULL; rt++) {
		r.nparam = 0;
		m = route_match(rt->pattern, path, &r);
		ref = ref_match(rt->pattern, path, cap, &ncap);
		if (m == -1)	/* only captures allocate, matching or not */
			FUZZ_CHECK(small && strpbrk(rt->pattern, ":*") != NULL);
		else
			FUZZ_CHECK(m == ref);
		if (m == 1) {
			FUZZ_CHECK(r.nparam == ncap);
			for (i = 0; i < ncap; i++)
				FUZZ_CHECK(strcmp(r.param[i], cap[i]) == 0);
		}
		for (i = 0; i < ncap; i++)
			free(cap[i]);
		if (m == -1) {
			oom = 1;
			break;
		}
		if (m == 1) {
			if (rt->methods & r.method) {
				first = rt;
				break;
			}
			want_allowed |= rt->methods;
		}
	}

	arena_reset(&a);
	found = route_find(routes, &r, &st, &allowed);
	if (first != NULL) {
		FUZZ_CHECK(found == first);
		FUZZ_CHECK(r.nparam <= ROUTE_MAXPARAMS);
	} else if (oom) {
		FUZZ_CHECK(found == NULL && st == 500);
	} else {
		FUZZ_CHECK(found == NULL);
		FUZZ_CHECK(allowed == want_allowed);
		FUZZ_CHECK(st == (want_allowed ? 405 : 404));
		FUZZ_CHECK(r.nparam == 0);
	}
	arena_free(&a);
	free(path);
	return 0;
}
