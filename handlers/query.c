/*
 * Strict query parameters: a number is digits only, within its range; a
 * parameter is given at most as many times as it can mean something.
 * Each function returns 0 (what was found in its out arguments, which
 * are left alone when the parameter is absent or empty) or the status of
 * the 400 it answered in resp, naming the parameter.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "handlers.h"

static size_t
occurrences(const struct req *r, const char *key)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nqs; i++)
		if (strcmp(r->qs[i].key, key) == 0)
			n++;
	return n;
}

/* key at most once: *out its value (NULL when absent or empty). */
int
query_one(struct req *r, struct resp *resp, const char *key,
    const char **out)
{
	const char	*v;

	if (occurrences(r, key) > 1)
		return resp_error_field(resp, 400, "invalid_request", key,
		    "%s may be given once", key);
	v = req_query(r, key);
	*out = v != NULL && *v != '\0' ? v : NULL;
	return 0;
}

/*
 * key at most once, a number from min to max written with digits only
 * (no sign, no space, no more digits than max has).
 */
int
query_number(struct req *r, struct resp *resp, const char *key, long min,
    long max, long *out)
{
	const char	*v;
	long		 n = 0;
	size_t		 i;
	int		 st;

	if ((st = query_one(r, resp, key, &v)) != 0 || v == NULL)
		return st;
	for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 10; i++)
		n = n * 10 + (v[i] - '0');
	if (i == 0 || v[i] != '\0' || n < min || n > max)
		return resp_error_field(resp, 400, "invalid_request", key,
		    "%s must be a number from %ld to %ld", key, min, max);
	*out = n;
	return 0;
}

/* key at most max times: its values in out[0..*n). */
int
query_many(struct req *r, struct resp *resp, const char *key,
    const char **out, size_t max, size_t *n)
{
	if (occurrences(r, key) > max)
		return resp_error_field(resp, 400, "invalid_request", key,
		    "%s may be given at most %zu times", key, max);
	*n = req_query_all(r, key, out, max);
	return 0;
}

static int
cursor_id_ok(const char *id)
{
	size_t	n;

	for (n = 0; id[n] != '\0'; n++)
		if (n >= 255 || (unsigned char)id[n] < 0x20 || id[n] == 0x7f)
			return 0;
	return n > 0;
}

/*
 * A list cursor, "n.<microseconds>.<id>" (the next page) or "p...."
 * (the previous): 1 with *t (up to the second dot, not terminated), *id
 * and *dir, or 0 when c is no cursor.
 */
int
cursor_parse(const char *c, char **t, char **id, const char **dir)
{
	const char	*p;

	if ((c[0] != 'n' && c[0] != 'p') || c[1] != '.')
		return 0;
	*dir = c[0] == 'n' ? "n" : "p";
	for (p = c + 2; *p >= '0' && *p <= '9'; p++)
		continue;
	if (p == c + 2 || p - (c + 2) > 18 || *p != '.' || p[1] == '\0')
		return 0;
	/*
	 * Any id the list can hand out comes back: apconn's and imported
	 * ones (id_importable()), and whatever an older import stored (up
	 * to 255 bytes, no control characters); it is only a parameter.
	 */
	if (!cursor_id_ok(p + 1))
		return 0;
	*t = (char *)(uintptr_t)(c + 2);
	*id = (char *)(uintptr_t)(p + 1);
	return 1;
}
