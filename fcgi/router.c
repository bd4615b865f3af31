/*
 * Route matching, segment by segment: ":name" captures one segment, a last
 * "*name" captures the rest of the path (slashes included).  No regular
 * expressions, no trailing-slash folding.
 */
#include "config.h"

#include <string.h>

#include "http.h"

/*
 * Returns 1 and stores the captures in r->param[] (arena copies) when path
 * matches pattern, 0 when it does not, -1 when the arena is exhausted.
 */
int
route_match(const char *pattern, const char *path, struct req *r)
{
	const char	*p = pattern, *s = path, *pe, *se;
	size_t		 n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			return 0;
		p++, s++;
		pe = strchr(p, '/');
		if (pe == NULL)
			pe = p + strlen(p);
		se = strchr(s, '/');
		if (se == NULL)
			se = s + strlen(s);
		if (*p == '*') {
			if (*s == '\0' || n == ROUTE_MAXPARAMS)
				return 0;
			if ((r->param[n++] = arena_strdup(r->arena, s)) == NULL)
				return -1;
			r->nparam = n;
			return 1;
		}
		if (*p == ':') {
			if (se == s || n == ROUTE_MAXPARAMS)
				return 0;
			r->param[n] = arena_strndup(r->arena, s,
			    (size_t)(se - s));
			if (r->param[n++] == NULL)
				return -1;
		} else if (pe - p != se - s || strncmp(p, s, (size_t)(pe - p)))
			return 0;
		p = pe, s = se;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	r->nparam = n;
	return 1;
}

/*
 * Finds the route for r->method and r->path in table (ended by a NULL
 * pattern).  On no match sets *status to 405 (and *allowed to the methods
 * the path accepts) or 404, and returns NULL.
 */
const struct route *
route_find(const struct route *table, struct req *r, int *status,
    unsigned int *allowed)
{
	const struct route	*rt;
	int			 m;

	*allowed = 0;
	for (rt = table; rt->pattern != NULL; rt++) {
		r->nparam = 0;
		if ((m = route_match(rt->pattern, r->path, r)) == -1) {
			*status = 500;
			return NULL;
		}
		if (m == 0)
			continue;
		if (rt->methods & r->method)
			return rt;
		*allowed |= rt->methods;
	}
	r->nparam = 0;
	*status = *allowed ? 405 : 404;
	return NULL;
}
