/*
 * Request parsing that needs no FastCGI connection: CGI parameters, the
 * query string, cookies and the JSON body.  Everything produced lives in
 * the request's arena.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "http.h"

static const struct {
	unsigned int	 m;
	const char	*name;
} methods[] = {
	{ M_GET,	"GET" },
	{ M_HEAD,	"HEAD" },
	{ M_POST,	"POST" },
	{ M_PUT,	"PUT" },
	{ M_PATCH,	"PATCH" },
	{ M_DELETE,	"DELETE" },
	{ M_OPTIONS,	"OPTIONS" },
};

unsigned int
method_parse(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}

/* Writes the names of the methods in mask, comma separated, into buf. */
const char *
method_names(unsigned int mask, char *buf, size_t bufsz)
{
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if ((mask & methods[i].m) == 0)
			continue;
		n = snprintf(buf + off, bufsz - off, "%s%s",
		    off ? ", " : "", methods[i].name);
		if (n < 0 || (size_t)n >= bufsz - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes (and '+' as space when plus is set) in place.
 * Returns 0, or -1 on a malformed escape or an encoded NUL.
 */
int
url_decode(char *s, int plus)
{
	char	*w = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0)
				return -1;
			if (hi == 0 && lo == 0)
				return -1;
			*w++ = (char)(hi << 4 | lo);
			s += 2;
		} else if (*s == '+' && plus)
			*w++ = ' ';
		else
			*w++ = *s;
	}
	*w = '\0';
	return 0;
}

/*
 * Splits a query string into at most max decoded pairs.  A key without
 * '=' gets the value "".  Returns 0, or -1 on too many pairs, a malformed
 * escape or memory exhaustion.
 */
int
req_parse_query(struct arena *a, const char *qs, struct kv *out, size_t max,
    size_t *n)
{
	const char	*p, *amp, *eq;
	char		*k, *v;
	size_t		 klen;

	*n = 0;
	for (p = qs; p != NULL && *p != '\0'; p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		klen = amp ? (size_t)(amp - p) : strlen(p);
		if (klen == 0)
			continue;
		eq = memchr(p, '=', klen);
		if (eq != NULL) {
			k = arena_strndup(a, p, (size_t)(eq - p));
			v = arena_strndup(a, eq + 1, klen - (size_t)(eq - p) - 1);
		} else {
			k = arena_strndup(a, p, klen);
			v = arena_strdup(a, "");
		}
		if (k == NULL || v == NULL)
			return -1;
		if (url_decode(k, 1) == -1 || url_decode(v, 1) == -1)
			return -1;
		if (*k == '\0')
			continue;
		if (*n == max)
			return -1;
		out[*n].key = k;
		out[*n].val = v;
		(*n)++;
	}
	return 0;
}

/* Returns the first value of key in the query string, or NULL. */
const char *
req_query(const struct req *r, const char *key)
{
	size_t	i;

	for (i = 0; i < r->nqs; i++)
		if (strcmp(r->qs[i].key, key) == 0)
			return r->qs[i].val;
	return NULL;
}

/* Fills out with up to max values of a repeated key; returns how many. */
size_t
req_query_all(const struct req *r, const char *key, const char **out,
    size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nqs && n < max; i++)
		if (strcmp(r->qs[i].key, key) == 0)
			out[n++] = r->qs[i].val;
	return n;
}

/*
 * Returns the value of cookie name (undecoded, in the arena), or NULL.
 * Cookie syntax: name=value pairs separated by ';' and optional spaces.
 */
const char *
req_cookie(const struct req *r, const char *name)
{
	const char	*p, *end, *eq;
	size_t		 nlen = strlen(name);

	for (p = r->cookie; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == ';')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    strncmp(p, name, nlen) == 0)
			return arena_strndup(r->arena, eq + 1,
			    (size_t)(end - eq - 1));
	}
	return NULL;
}

/*
 * Parses the body as one JSON value: strict RFC 8259 syntax, valid UTF-8,
 * nesting at most JSON_DEPTH_MAX, at most JSON_NODES_MAX values (checked
 * by json_validate() before json-c sees it).  Returns 0 and
 * sets r->json (owned by the request's arena, which wipes and releases
 * it), 400 with *why set to a message that echoes nothing of the input,
 * or 500.
 */
int
req_parse_json(struct req *r, const char **why)
{
	struct json_tokener	*tok;
	json_object		*o;
	enum json_tokener_error	 err;

	*why = "request body must be JSON";
	if (r->body == NULL || r->bodysz == 0) {
		*why = "request body is empty";
		return 400;
	}
	if (memchr(r->body, '\0', r->bodysz) != NULL ||
	    r->bodysz >= (size_t)INT32_MAX)
		return 400;
	if (json_validate(r->body, r->bodysz, JSON_DEPTH_MAX, JSON_NODES_MAX,
	    why) == -1)
		return 400;
	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX + 1)) == NULL)
		return 500;
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* The terminating NUL ends a bare scalar such as "42". */
	o = json_tokener_parse_ex(tok, r->body, (int)r->bodysz + 1);
	err = json_tokener_get_error(tok);
	/* The scratch buffer held every string of the body. */
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	if (err != json_tokener_success || o == NULL) {
		if (o != NULL)
			json_release_wiped(o);
		return 400;
	}
	if (arena_defer(r->arena, json_release_wiped, o) == -1) {
		json_release_wiped(o);
		return 500;
	}
	r->json = o;
	return 0;
}

/* The string value of key k of object o, or NULL (absent, not a string). */
const char *
json_str(json_object *o, const char *k)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The array value of key k of object o, or NULL (absent, not an array). */
json_object *
json_array(json_object *o, const char *k)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

/*
 * Wipes every string value of o in place: request bodies carry
 * credentials and json-c frees without wiping.  The one sanctioned cast
 * of json-c's const strings.
 */
void
json_wipe(json_object *o)
{
	size_t	i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		OPENSSL_cleanse((char *)(uintptr_t)json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			json_wipe(v);
			(void)k;
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			json_wipe(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
}

/* Wipes the strings of object o, then releases it (arena_defer()). */
void
json_release_wiped(void *o)
{
	json_wipe(o);
	json_object_put(o);
}

static const char *
env_copy(struct arena *a, const char *v)
{
	return v == NULL ? NULL : arena_strdup(a, v);
}

static int
req_id_valid(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= 32 || hexval(s[n]) < 0)
			return 0;
	return n >= 8;
}

/*
 * Fills r from the CGI parameters in envp (NAME=value strings, NULL
 * terminated).  Returns 0, or the HTTP status to answer at once: 413 when
 * CONTENT_LENGTH passes BODY_MAX, 400 for a malformed length or query
 * string, 500 when the arena is exhausted.  The body is read by the caller.
 */
int
req_init(struct req *r, struct arena *a, char *const *envp)
{
	const char	*qs = NULL, *rid = NULL, *clen = NULL, *uri = NULL;
	const char	*script = NULL, *pinfo = NULL;
	char		*end;
	unsigned long long ull;
	unsigned char	 rnd[16];
	size_t		 i;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	for (; envp != NULL && *envp != NULL; envp++) {
		const char	*e = *envp, *v;
		size_t		 n;

		if ((v = strchr(e, '=')) == NULL)
			continue;
		n = (size_t)(v++ - e);
#define IS(name) (n == sizeof(name) - 1 && memcmp(e, name, n) == 0)
		if (IS("REQUEST_METHOD"))
			r->method_name = v;
		else if (IS("DOCUMENT_URI"))
			uri = v;
		else if (IS("SCRIPT_NAME"))
			script = v;
		else if (IS("PATH_INFO"))
			pinfo = v;
		else if (IS("QUERY_STRING"))
			qs = v;
		else if (IS("CONTENT_TYPE"))
			r->ctype = v;
		else if (IS("CONTENT_LENGTH"))
			clen = v;
		else if (IS("HTTP_COOKIE"))
			r->cookie = v;
		else if (IS("HTTP_AUTHORIZATION"))
			r->authorization = v;
		else if (IS("HTTP_ORIGIN"))
			r->origin = v;
		else if (IS("HTTP_SEC_FETCH_SITE"))
			r->fetch_site = v;
		else if (IS("HTTP_IF_NONE_MATCH"))
			r->if_none_match = v;
		else if (IS("REMOTE_ADDR"))
			r->remote_addr = v;
		else if (IS("REQUEST_ID"))
			rid = v;
#undef IS
	}

	if (rid != NULL && req_id_valid(rid))
		snprintf(r->id, sizeof(r->id), "%s", rid);
	else {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			memset(rnd, 0, sizeof(rnd));
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(r->id + 2 * i, 3, "%02x", rnd[i]);
	}

	r->method_name = env_copy(a, r->method_name ? r->method_name : "");
	r->method = method_parse(r->method_name);
	/*
	 * nginx's DOCUMENT_URI, else what every CGI server sends: the
	 * decoded path split into SCRIPT_NAME and PATH_INFO at wherever the
	 * server's mapping ended (Apache's mod_fcgid, lighttpd).
	 */
	if (uri != NULL)
		r->path = env_copy(a, uri);
	else if (script != NULL && pinfo != NULL && *pinfo != '\0')
		r->path = arena_printf(a, "%s%s", script, pinfo);
	else
		r->path = env_copy(a, script != NULL ? script : "/");
	r->query = env_copy(a, qs != NULL ? qs : "");
	r->ctype = env_copy(a, r->ctype);
	r->cookie = env_copy(a, r->cookie);
	r->authorization = env_copy(a, r->authorization);
	r->origin = env_copy(a, r->origin);
	r->fetch_site = env_copy(a, r->fetch_site);
	r->if_none_match = env_copy(a, r->if_none_match);
	r->remote_addr = env_copy(a, r->remote_addr);
	if (r->method_name == NULL || r->path == NULL || r->query == NULL)
		return 500;

	if (clen != NULL && *clen != '\0') {
		errno = 0;
		if (*clen < '0' || *clen > '9')
			return 400;
		ull = strtoull(clen, &end, 10);
		if (*end != '\0')
			return 400;
		if (errno == ERANGE || ull > BODY_MAX)
			return 413;
		r->clen = (size_t)ull;
	}
	if (req_parse_query(a, r->query, r->qs, QUERY_MAX, &r->nqs) == -1)
		return 400;
	return 0;
}
