/*
 * The request layer as a worker runs it, without FastCGI or a database:
 * req_init() over a CGI environment, the body read as serve.c reads it,
 * route_find() over the real table, the query string and cookie lookups
 * the handlers make, the bearer token parse, req_parse_json(), then the
 * error answer and its header block, the access log line, and the wipe.
 *
 * Input: CGI parameters, one "NAME=value" per line, then an empty line,
 * then the body.  Without CONTENT_LENGTH the whole rest is the body; with
 * one, exactly that many bytes are read and a shorter rest is refused,
 * as serve.c does.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "fcgi/http.h"
#include "fcgi/log.h"
#include "db/token.h"
#include "handlers/handlers.h"
#include "fuzz.h"

#define ENV_MAX		64

static struct arena	 arena;
static int		 ready;

/* The keys the handlers look up. */
static const char *const query_keys[] = {
	"version", "searchQuery", "sortBy", "orderBy", "limit", "cursor",
	"pieceName", "displayName", "status", "code", "state", "error",
	"error_description", "projectId", "locale", NULL
};

static int
is_hex(const char *s)
{
	return strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/* The header block: CRLF lines only, one blank line, at the end. */
static void
check_head(const char *h, int n)
{
	int	i;

	FUZZ_CHECK(n >= 4 && (size_t)n == strlen(h));
	for (i = 0; i < n; i++) {
		if (h[i] == '\r')
			FUZZ_CHECK(i + 1 < n && h[i + 1] == '\n');
		if (h[i] == '\n')
			FUZZ_CHECK(i > 0 && h[i - 1] == '\r');
	}
	FUZZ_CHECK(strcmp(h + n - 4, "\r\n\r\n") == 0);
	FUZZ_CHECK(strstr(h, "\r\n\r\n") == h + n - 4);
}

static void
check_route(const struct req *r, const struct route *rt)
{
	size_t	i;

	FUZZ_CHECK((rt->methods & r->method) != 0);
	FUZZ_CHECK(r->nparam <= ROUTE_MAXPARAMS);
	for (i = 0; i < r->nparam; i++) {
		FUZZ_CHECK(r->param[i] != NULL && *r->param[i] != '\0');
		/* Only a "*name" capture, always last, holds slashes. */
		if (strchr(r->param[i], '/') != NULL)
			FUZZ_CHECK(i + 1 == r->nparam &&
			    strchr(rt->pattern, '*') != NULL);
	}
}

static void
request(char **envp, const uint8_t *body, size_t bodylen, int hasbody)
{
	struct req		 r;
	struct resp		 resp;
	const struct route	*rt = NULL;
	const char		*why = NULL, *v, *all[8], *tok, *text;
	char			 names[64], head[4096], logbuf[256], id[ID_LEN + 1];
	unsigned char		 hash[HASH_LEN];
	enum token_kind		 kind;
	unsigned int		 allowed = 0;
	size_t			 i, n, len;
	int			 st, hn;

	memset(&resp, 0, sizeof(resp));
	st = req_init(&r, &arena, envp);
	FUZZ_CHECK(st == 0 || st == 400 || st == 413 || st == 500);
	FUZZ_CHECK(strlen(r.id) >= 8 && strlen(r.id) <= 32 && is_hex(r.id));
	if (st == 0) {
		FUZZ_CHECK(r.path != NULL && r.query != NULL &&
		    r.method_name != NULL);
		FUZZ_CHECK(r.nqs <= QUERY_MAX);
		FUZZ_CHECK(r.clen <= BODY_MAX);
		for (i = 0; i < r.nqs; i++)
			FUZZ_CHECK(*r.qs[i].key != '\0' && r.qs[i].val != NULL);
		/* serve.c's read_body(). */
		if (r.clen > 0 || (hasbody && bodylen > 0)) {
			len = r.clen > 0 ? r.clen : bodylen;
			if (len > bodylen)
				st = 400;
			else if ((r.body = arena_alloc(r.arena, len + 1)) ==
			    NULL)
				st = 413;
			else {
				memcpy(r.body, body, len);
				r.body[len] = '\0';
				r.bodysz = len;
			}
		}
	}
	if (st == 0) {
		rt = route_find(routes, &r, &st, &allowed);
		if (rt != NULL) {
			check_route(&r, rt);
			r.route = rt;
			st = 0;
		} else {
			FUZZ_CHECK(st == 404 || st == 405 || st == 500);
			FUZZ_CHECK(st != 405 || allowed != 0);
			if (st == 405)
				method_names(allowed, names, sizeof(names));
		}
		for (i = 0; query_keys[i] != NULL; i++) {
			v = req_query(&r, query_keys[i]);
			n = req_query_all(&r, query_keys[i], all, 8);
			FUZZ_CHECK((v == NULL) == (n == 0));
			FUZZ_CHECK(v == NULL || v == all[0]);
		}
		n = req_query_all(&r, "categories", all, 8);
		FUZZ_CHECK(n <= 8);
		tok = NULL;
		if (r.authorization != NULL &&
		    strncasecmp(r.authorization, "Bearer ", 7) == 0) {
			for (tok = r.authorization + 7; *tok == ' '; tok++)
				continue;
		} else if (r.authorization == NULL)
			tok = req_cookie(&r, SESSION_COOKIE);
		if (tok != NULL && token_parse(tok, &kind, id, hash) == 0)
			FUZZ_CHECK(strlen(id) == ID_LEN &&
			    strncmp(tok + 4, id, ID_LEN) == 0);
		(void)req_cookie(&r, "apconn_state");
		if (r.body != NULL) {
			st = req_parse_json(&r, &why);
			FUZZ_CHECK(st == 0 || st == 400 || st == 500);
			if (st == 0)
				FUZZ_CHECK(r.json != NULL);
			else {
				FUZZ_CHECK(r.json == NULL && why != NULL);
				/* The message never echoes the body. */
				FUZZ_CHECK(why < r.body ||
				    why > r.body + r.bodysz);
			}
		}
	}

	/* The answer and the access log, as serve.c writes them. */
	if (st == 0 && rt != NULL) {
		resp.body = json_object_new_object();
		resp.status = 200;
	} else
		resp.status = resp_error_field(&resp, st ? st : 404, "code",
		    r.path, "%s", why ? why : "error");
	resp_header(&resp, "Location", r.path);
	resp_header(&resp, "ETag", r.if_none_match);
	text = resp_body_text(&resp, &len);
	FUZZ_CHECK(text != NULL && strlen(text) == len);
	hn = resp_render_head(&r, &resp, len, head, sizeof(head));
	if (hn >= 0)
		check_head(head, hn);
	if (r.path != NULL) {
		log_clean(logbuf, sizeof(logbuf), r.path);
		FUZZ_CHECK(strpbrk(logbuf, "\r\n") == NULL);
	}
	resp_wipe(&resp);
	json_object_put(resp.body);
	arena_reset(&arena);		/* releases r.json, wiped */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*envp[ENV_MAX + 1];
	const uint8_t	*line;
	size_t		 len, nenv = 0, i;
	int		 hasbody = 0;

	if (!ready) {
		arena_init(&arena, ARENA_MAX);
		ready = 1;
	}
	while (size > 0) {
		len = fuzz_part(&data, &size, "\n", &line);
		if (len == 0) {
			hasbody = 1;
			break;
		}
		if (nenv < ENV_MAX)
			envp[nenv++] = fuzz_str(line, len);
	}
	envp[nenv] = NULL;
	request(envp, data, size, hasbody);
	for (i = 0; i < nenv; i++)
		free(envp[i]);
	return 0;
}
