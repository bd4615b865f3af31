/*
 * Request parsing (fcgi/request.c): url_decode, query strings, cookies,
 * the CGI parameters (req_init), JSON bodies and their limits, and method
 * names.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "fcgi/http.h"
#include "fcgi/log.h"
#define UNIT_REQ_FIXTURE
#include "unit.h"

/* req_init() takes char *const *; it never writes through it. */
#define ENVP(e)		((char *const *)(uintptr_t)(e))

static int
is_lower_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

static const struct {
	const char	*in;
	int		 plus;
	int		 rc;
	const char	*out;
} url_cases[] = {
	{ "", 0, 0, "" },
	{ "abc", 0, 0, "abc" },
	{ "a%20b", 0, 0, "a b" },
	{ "%41%62%7e", 0, 0, "Ab~" },
	{ "%4a%4A", 0, 0, "JJ" },
	{ "%e2%82%AC", 0, 0, "\xe2\x82\xac" },
	{ "%25", 0, 0, "%" },
	{ "%2541", 0, 0, "%41" },
	{ "a+b", 1, 0, "a b" },
	{ "a+b", 0, 0, "a+b" },
	{ "++", 1, 0, "  " },
	{ "%2B", 1, 0, "+" },
	{ "%2b+", 1, 0, "+ " },
	{ "%01", 0, 0, "\x01" },
	{ "%", 0, -1, NULL },
	{ "abc%", 1, -1, NULL },
	{ "%4", 0, -1, NULL },
	{ "a%4", 0, -1, NULL },
	{ "%zz", 0, -1, NULL },
	{ "%g1", 0, -1, NULL },
	{ "%1g", 0, -1, NULL },
	{ "%%41", 0, -1, NULL },
	{ "% 1", 0, -1, NULL },
	{ "%00", 0, -1, NULL },
	{ "a%00b", 1, -1, NULL },
};

START_TEST(test_url_decode)
{
	char	buf[64];

	snprintf(buf, sizeof(buf), "%s", url_cases[_i].in);
	ck_assert_msg(url_decode(buf, url_cases[_i].plus) ==
	    url_cases[_i].rc, "url_decode(\"%s\", %d) != %d",
	    url_cases[_i].in, url_cases[_i].plus, url_cases[_i].rc);
	if (url_cases[_i].rc == 0)
		ck_assert_str_eq(buf, url_cases[_i].out);
}
END_TEST

static const struct {
	const char	*qs;
	int		 rc;
	size_t		 n;
	struct kv	 kv[4];
} query_cases[] = {
	{ "", 0, 0, { { NULL, NULL } } },
	{ "a=1", 0, 1, { { "a", "1" } } },
	{ "a=1&b=2", 0, 2, { { "a", "1" }, { "b", "2" } } },
	{ "flag", 0, 1, { { "flag", "" } } },
	{ "flag&x=y", 0, 2, { { "flag", "" }, { "x", "y" } } },
	{ "a=", 0, 1, { { "a", "" } } },
	{ "a=1&&b=2", 0, 2, { { "a", "1" }, { "b", "2" } } },
	{ "&a=1&", 0, 1, { { "a", "1" } } },
	{ "&&&", 0, 0, { { NULL, NULL } } },
	{ "=x&b=1", 0, 1, { { "b", "1" } } },
	{ "a=b=c", 0, 1, { { "a", "b=c" } } },
	{ "q=a+b%26c&x=%3D", 0, 2, { { "q", "a b&c" }, { "x", "=" } } },
	{ "k%3D=v&%61=%62", 0, 2, { { "k=", "v" }, { "a", "b" } } },
	{ "x=1&x=2", 0, 2, { { "x", "1" }, { "x", "2" } } },
	{ "a=%zz", -1, 0, { { NULL, NULL } } },
	{ "a%4=1", -1, 0, { { NULL, NULL } } },
	{ "a=1&b=%00", -1, 0, { { NULL, NULL } } },
	{ "a=1&b=x%", -1, 0, { { NULL, NULL } } },
};

START_TEST(test_query_parse)
{
	struct kv	 kv[QUERY_MAX];
	size_t		 n = 99, i;
	int		 rc;

	rc = req_parse_query(&ta, query_cases[_i].qs, kv, QUERY_MAX, &n);
	ck_assert_msg(rc == query_cases[_i].rc, "\"%s\": rc %d",
	    query_cases[_i].qs, rc);
	if (rc == 0) {
		ck_assert_uint_eq(n, query_cases[_i].n);
		for (i = 0; i < n; i++) {
			ck_assert_str_eq(kv[i].key, query_cases[_i].kv[i].key);
			ck_assert_str_eq(kv[i].val, query_cases[_i].kv[i].val);
		}
	}
}
END_TEST

START_TEST(test_query_null)
{
	struct kv	 kv[1];
	size_t		 n = 99;

	ck_assert_int_eq(req_parse_query(&ta, NULL, kv, 1, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_query_repeated)
{
	const char	*v[8];

	ck_assert_int_eq(req_parse_query(&ta, "tag=a&x=1&tag=b&flag&tag=c",
	    tr.qs, QUERY_MAX, &tr.nqs), 0);
	ck_assert_uint_eq(tr.nqs, 5);
	ck_assert_str_eq(req_query(&tr, "tag"), "a");
	ck_assert_str_eq(req_query(&tr, "x"), "1");
	ck_assert_str_eq(req_query(&tr, "flag"), "");
	ck_assert_ptr_null(req_query(&tr, "missing"));
	ck_assert_ptr_null(req_query(&tr, "ta"));
	ck_assert_ptr_null(req_query(&tr, "tags"));
	ck_assert_uint_eq(req_query_all(&tr, "tag", v, 8), 3);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "c");
	v[2] = NULL;
	ck_assert_uint_eq(req_query_all(&tr, "tag", v, 2), 2);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_ptr_null(v[2]);
	ck_assert_uint_eq(req_query_all(&tr, "tag", v, 0), 0);
	ck_assert_uint_eq(req_query_all(&tr, "missing", v, 8), 0);
	ck_assert_uint_eq(req_query_all(&tr, "x", v, 8), 1);
	ck_assert_str_eq(v[0], "1");
}
END_TEST

/* Builds "k0=v0&k1=v1&..." with n pairs, then tail, in the arena. */
static char *
make_query(struct arena *a, size_t n, const char *tail)
{
	char	*s;
	size_t	 i, off = 0, sz = n * 16 + strlen(tail) + 1;

	ck_assert_ptr_nonnull(s = arena_alloc(a, sz));
	s[0] = '\0';
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, sz - off, "%sk%zu=v%zu",
		    i ? "&" : "", i, i);
	snprintf(s + off, sz - off, "%s", tail);
	return s;
}

START_TEST(test_query_max)
{
	struct kv	 kv[QUERY_MAX];
	size_t		 n;
	char		*qs;


	qs = make_query(&ta, QUERY_MAX, "");
	ck_assert_int_eq(req_parse_query(&ta, qs, kv, QUERY_MAX, &n), 0);
	ck_assert_uint_eq(n, QUERY_MAX);
	ck_assert_str_eq(kv[0].key, "k0");
	ck_assert_str_eq(kv[QUERY_MAX - 1].val, "v63");

	/* Empty pieces do not count. */
	qs = make_query(&ta, QUERY_MAX, "&&");
	ck_assert_int_eq(req_parse_query(&ta, qs, kv, QUERY_MAX, &n), 0);
	ck_assert_uint_eq(n, QUERY_MAX);

	qs = make_query(&ta, QUERY_MAX + 1, "");
	ck_assert_int_eq(req_parse_query(&ta, qs, kv, QUERY_MAX, &n), -1);

	/* A smaller max is honoured. */
	ck_assert_int_eq(req_parse_query(&ta, "a=1&b=2&c=3", kv, 2, &n), -1);
	ck_assert_int_eq(req_parse_query(&ta, "a=1&b=2", kv, 2, &n), 0);
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* A piece with an empty key yields no pair, so it cannot overflow. */
START_TEST(test_query_max_emptykey)
{
	struct kv	 kv[QUERY_MAX];
	size_t		 n;
	char		*qs;

	qs = make_query(&ta, QUERY_MAX - 1, "&=x");
	ck_assert_int_eq(req_parse_query(&ta, qs, kv, QUERY_MAX, &n), 0);
	ck_assert_uint_eq(n, QUERY_MAX - 1);
	qs = make_query(&ta, QUERY_MAX, "&=x");
	ck_assert_int_eq(req_parse_query(&ta, qs, kv, QUERY_MAX, &n), 0);
	ck_assert_uint_eq(n, QUERY_MAX);
}
END_TEST

START_TEST(test_query_arena_exhausted)
{
	struct kv	 kv[4];
	size_t		 n;

	fx_limit(ALIGN);
	ck_assert_int_eq(req_parse_query(&ta, "a=1&b=2", kv, 4, &n), -1);
}
END_TEST

static const struct {
	const char	*cookie;
	const char	*name;
	const char	*val;		/* NULL: absent */
} cookie_cases[] = {
	{ "apconn_session=abc", "apconn_session", "abc" },
	{ "a=1; apconn_session=xyz; b=2", "apconn_session", "xyz" },
	{ "a=1;apconn_session=xyz;b=2", "apconn_session", "xyz" },
	{ "a=1;  apconn_session=xyz", "apconn_session", "xyz" },
	{ "a=1; b=2", "b", "2" },
	{ "b=2; a=1", "a", "1" },
	{ "apconn_session_x=1; apconn_session=2", "apconn_session", "2" },
	{ "apconn_session=2; apconn_session_x=1", "apconn_session_x", "1" },
	{ "apconn_session_x=1", "apconn_session", NULL },
	{ "xapconn_session=1", "apconn_session", NULL },
	{ "apconn_sessio=1", "apconn_session", NULL },
	{ "a=1; b=2", "apconn_session", NULL },
	{ "apconn_session", "apconn_session", NULL },
	{ "apconn_session=", "apconn_session", "" },
	{ "apconn_session=a=b", "apconn_session", "a=b" },
	{ "x=1; apconn_session=first; apconn_session=second",
	    "apconn_session", "first" },
	{ "a=1; ", "a", "1" },
	{ ";;a=1", "a", "1" },
	{ "", "a", NULL },
	{ NULL, "a", NULL },
};

START_TEST(test_cookie)
{
	const char	*v, *hdr = cookie_cases[_i].cookie;

	tr.cookie = hdr;
	v = req_cookie(&tr, cookie_cases[_i].name);
	if (cookie_cases[_i].val == NULL)
		ck_assert_msg(v == NULL, "cookie \"%s\" name %s: got \"%s\"",
		    hdr ? hdr : "(null)", cookie_cases[_i].name, v);
	else {
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, cookie_cases[_i].val);
	}
}
END_TEST

START_TEST(test_req_init)
{
	static const char *const env[] = {
		"REQUEST_METHOD=POST",
		"DOCUMENT_URI=/api/x",
		"SCRIPT_NAME=/ignored",
		"QUERY_STRING=a=1&b=two+words",
		"CONTENT_LENGTH=10",
		"CONTENT_TYPE=application/json",
		"HTTP_COOKIE=apconn_session=s1",
		"HTTP_AUTHORIZATION=Bearer tok",
		"HTTP_ORIGIN=https://app.example",
		"HTTP_IF_NONE_MATCH=\"etag\"",
		"REMOTE_ADDR=192.0.2.1",
		"REQUEST_ID=" RID,
		"NOEQUALS",
		"REQUEST_METHODX=GET",
		"X_REQUEST_METHOD=GET",
		NULL
	};

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 0);
	ck_assert_ptr_eq(tr.arena, &ta);
	ck_assert_uint_eq(tr.method, M_POST);
	ck_assert_str_eq(tr.method_name, "POST");
	ck_assert_str_eq(tr.path, "/api/x");
	ck_assert_str_eq(tr.query, "a=1&b=two+words");
	ck_assert_uint_eq(tr.nqs, 2);
	ck_assert_str_eq(tr.qs[0].key, "a");
	ck_assert_str_eq(tr.qs[0].val, "1");
	ck_assert_str_eq(tr.qs[1].key, "b");
	ck_assert_str_eq(tr.qs[1].val, "two words");
	ck_assert_uint_eq(tr.clen, 10);
	ck_assert_str_eq(tr.ctype, "application/json");
	ck_assert_str_eq(tr.cookie, "apconn_session=s1");
	ck_assert_str_eq(tr.authorization, "Bearer tok");
	ck_assert_str_eq(tr.origin, "https://app.example");
	ck_assert_str_eq(tr.if_none_match, "\"etag\"");
	ck_assert_str_eq(tr.remote_addr, "192.0.2.1");
	ck_assert_str_eq(tr.id, RID);
	ck_assert_ptr_null(tr.body);
	ck_assert_ptr_null(tr.json);
	ck_assert_uint_eq(tr.nparam, 0);
	/* Copies in the arena, not pointers into envp. */
	ck_assert_ptr_ne(tr.path, env[1] + strlen("DOCUMENT_URI="));
	ck_assert_ptr_ne(tr.method_name, env[0] + strlen("REQUEST_METHOD="));
}
END_TEST

START_TEST(test_req_init_defaults)
{
	static const char *const env1[] = { NULL };
	static const char *const env2[] = {
		"REQUEST_METHOD=BREW", "SCRIPT_NAME=/api/s", NULL
	};
	/* Apache's mod_fcgid and lighttpd split the path. */
	static const char *const env3[] = {
		"SCRIPT_NAME=/api", "PATH_INFO=/pieces/@activepieces/piece-slack",
		NULL
	};

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env1)), 0);
	ck_assert_uint_eq(tr.method, 0);
	ck_assert_str_eq(tr.method_name, "");
	ck_assert_str_eq(tr.path, "/");
	ck_assert_str_eq(tr.query, "");
	ck_assert_uint_eq(tr.nqs, 0);
	ck_assert_uint_eq(tr.clen, 0);
	ck_assert_ptr_null(tr.ctype);
	ck_assert_ptr_null(tr.cookie);
	ck_assert_ptr_null(tr.authorization);
	ck_assert_ptr_null(tr.origin);
	ck_assert_ptr_null(tr.if_none_match);
	ck_assert_ptr_null(tr.remote_addr);
	ck_assert(is_lower_hex(tr.id, 32));

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env3)), 0);
	ck_assert_str_eq(tr.path, "/api/pieces/@activepieces/piece-slack");

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env2)), 0);
	ck_assert_uint_eq(tr.method, 0);
	ck_assert_str_eq(tr.method_name, "BREW");
	ck_assert_str_eq(tr.path, "/api/s");

	ck_assert_int_eq(req_init(&tr, &ta, NULL), 0);
	ck_assert_str_eq(tr.path, "/");
}
END_TEST

static const struct {
	const char	*clen;
	int		 rc;
	size_t		 want;
} clen_cases[] = {
	{ "CONTENT_LENGTH=10", 0, 10 },
	{ "CONTENT_LENGTH=0", 0, 0 },
	{ "CONTENT_LENGTH=", 0, 0 },
	{ "CONTENT_LENGTH=007", 0, 7 },
	{ "CONTENT_LENGTH=1048576", 0, BODY_MAX },
	{ "CONTENT_LENGTH=1048577", 413, 0 },
	{ "CONTENT_LENGTH=4294967296", 413, 0 },
	{ "CONTENT_LENGTH=18446744073709551615", 413, 0 },
	{ "CONTENT_LENGTH=99999999999999999999999", 413, 0 },
	{ "CONTENT_LENGTH=abc", 400, 0 },
	{ "CONTENT_LENGTH=-1", 400, 0 },
	{ "CONTENT_LENGTH=-0", 400, 0 },
	{ "CONTENT_LENGTH=+5", 400, 0 },
	{ "CONTENT_LENGTH= 5", 400, 0 },
	{ "CONTENT_LENGTH=0x10", 400, 0 },
	{ "CONTENT_LENGTH=5 ", 400, 0 },
	{ "CONTENT_LENGTH=10x", 400, 0 },
	{ "CONTENT_LENGTH=1e3", 400, 0 },
	{ "CONTENT_LENGTH=12.5", 400, 0 },
};

START_TEST(test_req_init_clen)
{
	const char	*env[4] = {
		"REQUEST_METHOD=PUT", "DOCUMENT_URI=/api/x", NULL, NULL
	};
	int		 rc;

	env[2] = clen_cases[_i].clen;
	rc = req_init(&tr, &ta, ENVP(env));
	ck_assert_msg(rc == clen_cases[_i].rc, "%s: rc %d, want %d",
	    clen_cases[_i].clen, rc, clen_cases[_i].rc);
	if (rc == 0)
		ck_assert_uint_eq(tr.clen, clen_cases[_i].want);
}
END_TEST

static const struct {
	const char	*rid;		/* NULL: no REQUEST_ID */
	int		 kept;
} rid_cases[] = {
	{ RID, 1 },
	{ "deadbeef", 1 },
	{ "ABCDEF0123456789", 1 },
	{ "0123456789ABCDEF0123456789abcdef", 1 },
	{ "0123456789abcdef0123456789abcdef0", 0 },	/* 33 */
	{ "0123456789abcdef0123456789abcdef0123", 0 },
	{ "0123456", 0 },				/* 7 */
	{ "", 0 },
	{ "0123456789abcdeg", 0 },
	{ "01234567-89ab-cdef", 0 },
	{ "0123456789abcdef\r\nX-Evil: 1", 0 },
	{ "<script>alert(1)</script>", 0 },
	{ NULL, 0 },
};

START_TEST(test_req_init_rid)
{
	const char	*env[3] = { "REQUEST_METHOD=GET", NULL, NULL };
	char		 e[128];

	if (rid_cases[_i].rid != NULL) {
		snprintf(e, sizeof(e), "REQUEST_ID=%s", rid_cases[_i].rid);
		env[1] = e;
	}
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 0);
	if (rid_cases[_i].kept)
		ck_assert_str_eq(tr.id, rid_cases[_i].rid);
	else {
		ck_assert_msg(is_lower_hex(tr.id, 32),
		    "id \"%s\" is not 32 lowercase hex", tr.id);
		if (rid_cases[_i].rid != NULL)
			ck_assert_str_ne(tr.id, rid_cases[_i].rid);
	}
}
END_TEST

START_TEST(test_req_init_rid_random)
{
	static const char *const env[] = { "REQUEST_ID=zz", NULL };
	char		 first[33];

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 0);
	memcpy(first, tr.id, sizeof(first));
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 0);
	ck_assert(is_lower_hex(first, 32));
	ck_assert(is_lower_hex(tr.id, 32));
	ck_assert_str_ne(first, tr.id);
	ck_assert_str_ne(first, "00000000000000000000000000000000");
}
END_TEST

START_TEST(test_req_init_badquery)
{
	const char	*env[] = {
		"REQUEST_METHOD=GET", "QUERY_STRING=a=%zz", NULL
	};
	char		*qs, *e;

	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 400);
	env[1] = "QUERY_STRING=a=1&b=%00";
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 400);
	env[1] = "QUERY_STRING=%";
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 400);

	qs = make_query(&ta, QUERY_MAX + 1, "");
	ck_assert_ptr_nonnull(e = arena_printf(&ta, "QUERY_STRING=%s", qs));
	env[1] = e;
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 400);

	qs = make_query(&ta, QUERY_MAX, "");
	ck_assert_ptr_nonnull(e = arena_printf(&ta, "QUERY_STRING=%s", qs));
	env[1] = e;
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 0);
	ck_assert_uint_eq(tr.nqs, QUERY_MAX);
}
END_TEST

START_TEST(test_req_init_arena_exhausted)
{
	static const char *const env[] = {
		"REQUEST_METHOD=GET", "DOCUMENT_URI=/api/x", NULL
	};

	fx_limit(ALIGN);
	ck_assert_int_eq(req_init(&tr, &ta, ENVP(env)), 500);
}
END_TEST

static const struct {
	const char	*body;
	size_t		 len;		/* 0: strlen(body) */
	int		 rc;
	const char	*why;		/* NULL: not checked */
} json_cases[] = {
	{ "{}", 0, 0, NULL },
	{ "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"\\u00e9\"}", 0, 0, NULL },
	{ " \t\r\n{\"a\":\"x\"} \n", 0, 0, NULL },
	{ "[1,\"two\",true,false,null,{}]", 0, 0, NULL },
	{ "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"}", 0, 0, NULL },
	{ "{\"a\":-0.5e-3,\"b\":1E5,"
	    "\"c\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 0, 0, NULL },
	{ "\"str\"", 0, 0, NULL },
	/* Any one JSON value is complete, not "truncated". */
	{ "42", 0, 0, NULL },
	{ "true", 0, 0, NULL },
	{ "", 0, 400, "request body is empty" },
	{ "{} x", 0, 400, "request body must be JSON" },
	{ "{}}", 0, 400, NULL },
	{ "{}{}", 0, 400, NULL },
	{ "[] 1", 0, 400, NULL },
	{ "{\"a\":1", 0, 400, "request body is truncated JSON" },
	{ "[1,2", 0, 400, "request body is truncated JSON" },
	/* Strict syntax. */
	{ "{'a':1}", 0, 400, NULL },
	{ "{\"a\":'x'}", 0, 400, NULL },
	{ "{\"a\":1,}", 0, 400, NULL },
	{ "[1,2,]", 0, 400, NULL },
	{ "{a:1}", 0, 400, NULL },
	{ "/* c */{}", 0, 400, NULL },
	{ "{}// c", 0, 400, NULL },
	{ "{\"a\":tru}", 0, 400, NULL },
	{ "{\"a\":TRUE}", 0, 400, NULL },
	{ "{\"a\":01}", 0, 400, NULL },
	{ "{\"a\":.5}", 0, 400, NULL },
	{ "{\"a\":+1}", 0, 400, NULL },
	{ "{\"a\":1.}", 0, 400, NULL },
	{ "{\"a\":NaN}", 0, 400, NULL },
	{ "{\"a\":Infinity}", 0, 400, NULL },
	{ "{\"a\":\"\\x41\"}", 0, 400, NULL },
	/* Control characters must be escaped inside strings. */
	{ "{\"a\":\"tab\there\"}", 0, 400, NULL },
	{ "{\"a\":\"\x01\"}", 0, 400, NULL },
	/* Valid UTF-8 only. */
	{ "{\"a\":\"\xff\"}", 0, 400, NULL },
	{ "{\"a\":\"\xc3\"}", 0, 400, NULL },
	{ "{\"\xe2\x82\":1}", 0, 400, NULL },
	{ "{\"a\":\"\xc0\x80\"}", 0, 400, NULL },		/* overlong */
	{ "{\"a\":\"\xed\xa0\x80\"}", 0, 400, NULL },	/* surrogate */
	{ "{\"a\":\"\xf4\x90\x80\x80\"}", 0, 400, NULL },	/* > U+10FFFF */
	/* Embedded NUL bytes. */
	{ "{\"a\":\"x\0\"}", 10, 400, "request body must be JSON" },
	{ "{}\0", 3, 400, "request body must be JSON" },
	{ "\0{}", 3, 400, "request body must be JSON" },
};

/* Sets r's body to a NUL-terminated arena copy of len bytes of s. */
static void
set_body(struct req *r, const char *s, size_t len)
{
	ck_assert_ptr_nonnull(r->body = arena_strndup(r->arena, s, len));
	r->bodysz = len;
}

START_TEST(test_json)
{
	const char	*why = NULL;
	char		 shown[128];
	size_t		 len;
	int		 rc;

	len = json_cases[_i].len ? json_cases[_i].len :
	    strlen(json_cases[_i].body);
	set_body(&tr, json_cases[_i].body, len);
	rc = req_parse_json(&tr, &why);
	log_clean(shown, sizeof(shown), json_cases[_i].body);
	ck_assert_msg(rc == json_cases[_i].rc, "body \"%s\": rc %d, want %d "
	    "(%s)", shown, rc, json_cases[_i].rc, rc ? why : "");
	if (rc == 0)
		ck_assert_ptr_nonnull(tr.json);
	else {
		ck_assert_ptr_null(tr.json);
		ck_assert_ptr_nonnull(why);
		if (json_cases[_i].why != NULL)
			ck_assert_str_eq(why, json_cases[_i].why);
	}
}
END_TEST

START_TEST(test_json_value)
{
	const char	*why;
	json_object	*v;

	set_body(&tr, "{\"name\":\"x\",\"n\":[1,2,3]}", 24);
	ck_assert_int_eq(req_parse_json(&tr, &why), 0);
	ck_assert(json_object_is_type(tr.json, json_type_object));
	ck_assert(json_object_object_get_ex(tr.json, "name", &v));
	ck_assert_str_eq(json_object_get_string(v), "x");
	ck_assert(json_object_object_get_ex(tr.json, "n", &v));
	ck_assert_uint_eq(json_object_array_length(v), 3);
	arena_reset(&ta);		/* releases tr.json */
	tr.json = NULL;

	/* No body at all. */
	tr.body = NULL;
	tr.bodysz = 0;
	ck_assert_int_eq(req_parse_json(&tr, &why), 400);
	ck_assert_str_eq(why, "request body is empty");
	ck_assert_ptr_null(tr.json);
}
END_TEST

/* Nesting: n arrays or objects deep; at most JSON_DEPTH_MAX passes. */
static const struct {
	int	 depth;
	int	 object;
	int	 rc;
} depth_cases[] = {
	{ JSON_DEPTH_MAX - 1, 0, 0 },
	{ JSON_DEPTH_MAX, 0, 0 },
	{ JSON_DEPTH_MAX + 1, 0, 400 },
	{ 1000, 0, 400 },
	{ JSON_DEPTH_MAX - 1, 1, 0 },
	{ JSON_DEPTH_MAX, 1, 0 },
	{ JSON_DEPTH_MAX + 1, 1, 400 },
	{ 1000, 1, 400 },
};

START_TEST(test_json_depth)
{
	const char	*why = NULL, *open, *close;
	char		*s;
	size_t		 i, off = 0, n = (size_t)depth_cases[_i].depth;
	int		 rc;

	open = depth_cases[_i].object ? "{\"a\":" : "[";
	close = depth_cases[_i].object ? "}" : "]";
	ck_assert_ptr_nonnull(s = arena_alloc(&ta, n * 8 + 8));
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(s + off, "%s", i + 1 == n &&
		    depth_cases[_i].object ? "{" : open);
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(s + off, "%s", close);
	tr.body = s;
	tr.bodysz = off;
	rc = req_parse_json(&tr, &why);
	ck_assert_msg(rc == depth_cases[_i].rc, "depth %zu (%s): rc %d, "
	    "want %d (%s)", n, depth_cases[_i].object ? "objects" : "arrays",
	    rc, depth_cases[_i].rc, why);
	if (rc != 0)
		ck_assert_str_eq(why, "request body is nested too deeply");
}
END_TEST

/* Arrays of n zeros: n + 1 values counting the array itself. */
static const struct {
	size_t	 zeros;
	int	 rc;
} nodes_cases[] = {
	{ JSON_NODES_MAX - 1, 0 },
	{ JSON_NODES_MAX, 400 },
	{ JSON_NODES_MAX + 1, 400 },
};

START_TEST(test_json_nodes)
{
	const char	*why = NULL;
	char		*s;
	size_t		 i, off = 0, n = nodes_cases[_i].zeros;
	int		 rc;

	ck_assert_ptr_nonnull(s = arena_alloc(&ta, 2 * n + 3));
	s[off++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			s[off++] = ',';
		s[off++] = '0';
	}
	s[off++] = ']';
	s[off] = '\0';
	tr.body = s;
	tr.bodysz = off;
	rc = req_parse_json(&tr, &why);
	ck_assert_msg(rc == nodes_cases[_i].rc, "%zu zeros: rc %d (%s)", n,
	    rc, why);
	if (rc == 0) {
		ck_assert_uint_eq(json_object_array_length(tr.json), n);
	} else {
		ck_assert_ptr_null(tr.json);
		ck_assert_str_eq(why, "request body has too many values");
	}
}
END_TEST

static const struct {
	unsigned int	 m;
	const char	*name;
} method_cases[] = {
	{ M_GET, "GET" },
	{ M_HEAD, "HEAD" },
	{ M_POST, "POST" },
	{ M_PUT, "PUT" },
	{ M_PATCH, "PATCH" },
	{ M_DELETE, "DELETE" },
	{ M_OPTIONS, "OPTIONS" },
};

START_TEST(test_method_roundtrip)
{
	char	buf[64];

	ck_assert_uint_eq(method_parse(method_cases[_i].name),
	    method_cases[_i].m);
	ck_assert_str_eq(method_names(method_cases[_i].m, buf, sizeof(buf)),
	    method_cases[_i].name);
	ck_assert_str_eq(method_names(method_parse(method_cases[_i].name),
	    buf, sizeof(buf)), method_cases[_i].name);
}
END_TEST

START_TEST(test_method_names)
{
	char		 buf[64];
	const char	*p;

	ck_assert_uint_eq(method_parse("get"), 0);
	ck_assert_uint_eq(method_parse("GETX"), 0);
	ck_assert_uint_eq(method_parse("GE"), 0);
	ck_assert_uint_eq(method_parse(""), 0);
	ck_assert_uint_eq(method_parse(" GET"), 0);
	ck_assert_uint_eq(method_parse(NULL), 0);
	ck_assert_uint_eq(method_parse("TRACE"), 0);

	p = method_names(M_GET | M_HEAD, buf, sizeof(buf));
	ck_assert_ptr_eq(p, buf);
	ck_assert_str_eq(p, "GET, HEAD");
	ck_assert_str_eq(method_names(M_HEAD | M_GET, buf, sizeof(buf)),
	    "GET, HEAD");
	ck_assert_str_eq(method_names(M_DELETE | M_POST | M_GET, buf,
	    sizeof(buf)), "GET, POST, DELETE");
	ck_assert_str_eq(method_names(M_GET | M_HEAD | M_POST | M_PUT |
	    M_PATCH | M_DELETE | M_OPTIONS, buf, sizeof(buf)),
	    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	ck_assert_str_eq(method_names(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(method_names(1u << 20, buf, sizeof(buf)), "");
	ck_assert_str_eq(method_names(M_PUT | 1u << 20, buf, sizeof(buf)),
	    "PUT");

	/* A short buffer stays NUL-terminated and within bounds. */
	memset(buf, 'Z', sizeof(buf));
	p = method_names(M_GET | M_HEAD, buf, 6);
	ck_assert_uint_lt(strlen(p), 6);
	ck_assert_int_eq(strncmp("GET, HEAD", p, strlen(p)), 0);
	ck_assert_int_eq(buf[6], 'Z');
	memset(buf, 'Z', sizeof(buf));
	ck_assert_str_eq(method_names(M_GET, buf, 1), "");
	ck_assert_int_eq(buf[1], 'Z');
}
END_TEST

static Suite *
request_suite(void)
{
	Suite	*s = suite_create("request");
	TCase	*tc;

	tc = tcase_create("url_decode");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_url_decode, 0, NELEM(url_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_query_parse, 0, NELEM(query_cases));
	tcase_add_test(tc, test_query_null);
	tcase_add_test(tc, test_query_repeated);
	tcase_add_test(tc, test_query_max);
	tcase_add_test(tc, test_query_max_emptykey);
	tcase_add_test(tc, test_query_arena_exhausted);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookie");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_cookie, 0, NELEM(cookie_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("req_init");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_req_init);
	tcase_add_test(tc, test_req_init_defaults);
	tcase_add_loop_test(tc, test_req_init_clen, 0, NELEM(clen_cases));
	tcase_add_loop_test(tc, test_req_init_rid, 0, NELEM(rid_cases));
	tcase_add_test(tc, test_req_init_rid_random);
	tcase_add_test(tc, test_req_init_badquery);
	tcase_add_test(tc, test_req_init_arena_exhausted);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_json, 0, NELEM(json_cases));
	tcase_add_test(tc, test_json_value);
	tcase_add_loop_test(tc, test_json_depth, 0, NELEM(depth_cases));
	tcase_add_loop_test(tc, test_json_nodes, 0, NELEM(nodes_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("method");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_method_roundtrip, 0, NELEM(method_cases));
	tcase_add_test(tc, test_method_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(request_suite());
}
