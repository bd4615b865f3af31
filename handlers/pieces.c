/*
 * The piece catalogue, readable without authentication like the upstream:
 * GET /api/pieces (one summary per name, its newest version by semantic
 * version; ETag and 304) and GET /api/pieces/{name} (full metadata; short
 * or full names, exact, ~ and ^ versions).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../db/algs.h"
#include "../db/token.h"
#include "handlers.h"

#define WORDS_MAX	8
#define CATS_MAX	16

/*
 * Appends s, lowercased and quoted, to a PostgreSQL array literal in buf.
 * Returns 0, or -1 when it does not fit.
 */
static int
lit_add(char *buf, size_t bufsz, size_t *off, const char *s, size_t len)
{
	size_t	i;

	if (*off + 4 >= bufsz)
		return -1;
	buf[*off] = *off == 0 ? '{' : ',';
	(*off)++;
	buf[(*off)++] = '"';
	for (i = 0; i < len; i++) {
		if (*off + 4 >= bufsz)
			return -1;
		if (s[i] == '"' || s[i] == '\\')
			buf[(*off)++] = '\\';
		buf[(*off)++] = (char)tolower((unsigned char)s[i]);
	}
	buf[(*off)++] = '"';
	buf[*off] = '\0';
	return 0;
}

static char *
lit_close(struct arena *a, char *buf, size_t off)
{
	if (off == 0)
		return NULL;
	return arena_printf(a, "%s}", buf);
}

/* ETag of a body: the first 16 bytes of its SHA-256, quoted. */
static char *
etag_of(struct arena *a, const char *body)
{
	unsigned char	h[32];
	unsigned int	n = 0;
	char		hex[33];

	if (EVP_Digest(body, strlen(body), h, &n, algs_sha256(), NULL) != 1)
		return NULL;
	hex_encode(h, 16, hex);
	return arena_printf(a, "\"%s\"", hex);
}

static int
etag_matches(const char *inm, const char *etag)
{
	return inm != NULL && (strstr(inm, etag) != NULL ||
	    strcmp(inm, "*") == 0);
}

/* Answers body with its ETag and Cache-Control, or 304 when it matches. */
static int
answer_cached(struct resp *resp, struct req *r, const char *body,
    const char *etag)
{
	resp->cache = "public, max-age=60";
	resp_header(resp, "ETag", etag);
	if (etag_matches(r->if_none_match, etag))
		return 304;
	return resp_raw(resp, 200, body);
}

/* Answers json fetched for key, keeping it in the worker's cache. */
static int
answer_cacheable(struct req *r, struct resp *resp, const char *key,
    const char *json)
{
	char	*etag;

	if ((etag = etag_of(r->arena, json)) == NULL) {
		resp->cache = "public, max-age=60";
		return resp_raw(resp, 200, json);
	}
	if (key != NULL)
		piececache_put(key, json, etag);
	return answer_cached(resp, r, json, etag);
}

/* Answers from the worker's cache; returns 0 when key is not there. */
static int
from_cache(struct req *r, struct resp *resp, const char *key)
{
	const char	*body, *etag;

	if (key == NULL || !piececache_get(r->db, key, &body, &etag))
		return 0;
	return answer_cached(resp, r, body, etag);
}

/* GET /api/pieces */
int
h_pieces_list(struct req *r, struct resp *resp)
{
	struct piece_query	 q;
	const char		*v, *cats[CATS_MAX], *p, *end, *sort, *order;
	char			 words[1024], catlit[1024], *json;
	size_t			 wo = 0, co = 0, n, i, nw = 0;
	const char		*key;
	long			 limit;
	enum db_rc		 rc;
	int			 st;

	key = arena_printf(r->arena, "L?%s", r->query ? r->query : "");
	if ((st = from_cache(r, resp, key)) != 0)
		return st;
	memset(&q, 0, sizeof(q));
	words[0] = catlit[0] = '\0';
	if ((st = query_one(r, resp, "searchQuery", &v)) != 0 ||
	    (st = query_one(r, resp, "sortBy", &sort)) != 0 ||
	    (st = query_one(r, resp, "orderBy", &order)) != 0 ||
	    (st = query_many(r, resp, "categories", cats, CATS_MAX, &n)) != 0)
		return st;
	if (v != NULL) {
		for (p = v; *p != '\0'; p = end) {
			while (*p == ' ')
				p++;
			for (end = p; *end != '\0' && *end != ' '; end++)
				continue;
			if (end == p)
				continue;
			if (++nw > WORDS_MAX || lit_add(words, sizeof(words),
			    &wo, p, (size_t)(end - p)) == -1)
				return resp_error_field(resp, 400,
				    "invalid_request", "searchQuery",
				    "searchQuery is too long");
		}
		q.words = lit_close(r->arena, words, wo);
	}
	for (i = 0; i < n; i++)
		if (*cats[i] != '\0' && lit_add(catlit, sizeof(catlit), &co,
		    cats[i], strlen(cats[i])) == -1)
			return resp_error_field(resp, 400, "invalid_request",
			    "categories", "categories are too long");
	q.categories = lit_close(r->arena, catlit, co);
	q.sort = "NAME";
	if ((v = sort) != NULL) {
		if (strcmp(v, "NAME") != 0 && strcmp(v, "UPDATED") != 0 &&
		    strcmp(v, "CREATED") != 0)
			return resp_error_field(resp, 400, "invalid_request",
			    "sortBy", "sortBy must be NAME, UPDATED or CREATED");
		q.sort = v;
	}
	q.order = strcmp(q.sort, "NAME") == 0 ? "ASC" : "DESC";
	if ((v = order) != NULL) {
		if (strcmp(v, "ASC") != 0 && strcmp(v, "DESC") != 0)
			return resp_error_field(resp, 400, "invalid_request",
			    "orderBy", "orderBy must be ASC or DESC");
		q.order = v;
	}
	limit = 0;
	if ((st = query_number(r, resp, "limit", 1, 10000, &limit)) != 0)
		return st;
	if (limit > 0)
		q.limit = arena_printf(r->arena, "%ld", limit);
	if ((rc = db_piece_list(r->db, r->arena, &q, &json)) != DB_OK)
		return resp_db_error(resp, rc);
	return answer_cacheable(r, resp, key, json);
}

/* Parses "X.Y.Z" into n[3]; returns the end, or NULL. */
static const char *
semver3(const char *s, long n[3])
{
	char	*end;
	int	 i;

	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return NULL;
		n[i] = strtol(s, &end, 10);
		if (end - s > 9)
			return NULL;
		s = end;
		if (i < 2 && *s++ != '.')
			return NULL;
	}
	return s;
}

/*
 * Turns a version spec into an exact version or a range of semver keys
 * [lo, hi).  Returns 0, or -1 for a malformed spec.
 */
static int
version_range(struct arena *a, const char *spec, const char **exact,
    char **lo, char **hi)
{
	long		 n[3];
	const char	*end;

	*exact = NULL;
	*lo = *hi = NULL;
	if (spec == NULL || *spec == '\0')
		return 0;
	if (*spec != '~' && *spec != '^') {
		if ((end = semver3(spec, n)) == NULL ||
		    (*end != '\0' && *end != '-' && *end != '+'))
			return -1;
		*exact = spec;
		return 0;
	}
	if ((end = semver3(spec + 1, n)) == NULL || *end != '\0')
		return -1;
	*lo = arena_printf(a, "{%ld,%ld,%ld,0}", n[0], n[1], n[2]);
	if (*spec == '~')
		*hi = arena_printf(a, "{%ld,%ld,0,0}", n[0], n[1] + 1);
	else if (n[0] > 0)
		*hi = arena_printf(a, "{%ld,0,0,0}", n[0] + 1);
	else if (n[1] > 0)
		*hi = arena_printf(a, "{0,%ld,0,0}", n[1] + 1);
	else
		*hi = arena_printf(a, "{0,0,%ld,0}", n[2] + 1);
	return *lo && *hi ? 0 : -1;
}

/* GET /api/pieces/{name}[?version=] */
int
h_pieces_get(struct req *r, struct resp *resp)
{
	const char	*exact, *name, *key;
	char		*lo, *hi, *json;
	enum db_rc	 rc;
	int		 st;

	name = piece_short_name(r->param[0]);
	key = arena_printf(r->arena, "G%s?%s", name, req_query(r, "version") ?
	    req_query(r, "version") : "");
	if ((st = from_cache(r, resp, key)) != 0)
		return st;
	if (version_range(r->arena, req_query(r, "version"), &exact, &lo,
	    &hi) == -1)
		return resp_error_field(resp, 400, "invalid_request", "version",
		    "version must be X.Y.Z, ~X.Y.Z or ^X.Y.Z");
	rc = db_piece_get(r->db, r->arena, name, exact, lo, hi, &json);
	if (rc == DB_NOTFOUND)
		return resp_error(resp, 404, "not_found", "Piece not found");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return answer_cacheable(r, resp, key, json);
}
