/*
 * Unit tests for the parts of apconn that need neither a FastCGI stream
 * nor a database: the arena, request parsing, the router, response
 * building, log sanitising, configuration, and the sanity of the statement
 * and route tables.  One Suite per module; Check forks every test.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "fcgi/arena.h"
#include "fcgi/http.h"
#include "fcgi/cfg.h"
#include "fcgi/log.h"
#include "fcgi/metrics.h"
#include "db/dbi.h"
#include "handlers/handlers.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN		_Alignof(max_align_t)
#define ROUNDUP(n)	(((n) + ALIGN - 1) & ~(ALIGN - 1))
#define RID		"0123456789abcdef0123456789abcdef"

/* req_init() takes char *const *; it never writes through it. */
#define ENVP(e)		((char *const *)(uintptr_t)(e))

static int
is_lower_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/*
 * arena
 */

static const size_t arena_sizes[] = {
	1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 255, 1000, 4097
};

START_TEST(test_arena_align)
{
	struct arena	 a;
	unsigned char	*p;
	size_t		 i, want = 0;

	arena_init(&a, ARENA_MAX);
	ck_assert_ptr_null(a.head);
	ck_assert_uint_eq(a.total, 0);
	ck_assert_uint_eq(a.limit, ARENA_MAX);
	/* Several rounds so that later allocations follow odd sizes. */
	for (i = 0; i < 3 * NELEM(arena_sizes); i++) {
		p = arena_alloc(&a, arena_sizes[i % NELEM(arena_sizes)]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % ALIGN, 0);
		memset(p, 0xa5, arena_sizes[i % NELEM(arena_sizes)]);
		want += ROUNDUP(arena_sizes[i % NELEM(arena_sizes)]);
		ck_assert_uint_eq(a.total, want);
	}
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_limit)
{
	struct arena	 a;
	void		*p;

	arena_init(&a, 1024);
	ck_assert_ptr_nonnull(p = arena_alloc(&a, 1000));
	ck_assert_uint_eq(a.total, ROUNDUP(1000));
	/* 1008 used of 1024: 32 does not fit and changes nothing. */
	ck_assert_ptr_null(arena_alloc(&a, 32));
	ck_assert_uint_eq(a.total, ROUNDUP(1000));
	ck_assert_ptr_null(arena_alloc(&a, 1024 - ROUNDUP(1000) + 1));
	ck_assert_uint_eq(a.total, ROUNDUP(1000));
	/* Exactly what is left still fits. */
	ck_assert_ptr_nonnull(arena_alloc(&a, 1024 - ROUNDUP(1000)));
	ck_assert_uint_eq(a.total, 1024);
	ck_assert_ptr_null(arena_alloc(&a, 1));
	ck_assert_ptr_null(arena_alloc(&a, 0));
	ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX));
	ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX - ALIGN + 1));
	ck_assert_ptr_null(arena_strdup(&a, "x"));
	ck_assert_ptr_null(arena_printf(&a, "%d", 1));
	ck_assert_uint_eq(a.total, 1024);
	arena_free(&a);

	/* A limit below one aligned unit refuses even one byte. */
	arena_init(&a, ALIGN - 1);
	ck_assert_ptr_null(arena_alloc(&a, 1));
	ck_assert_uint_eq(a.total, 0);
	arena_free(&a);

	/* Huge requests fail cleanly against a huge limit too. */
	arena_init(&a, SIZE_MAX);
	ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX));
	ck_assert_ptr_null(arena_strndup(&a, "", SIZE_MAX));
	ck_assert_uint_eq(a.total, 0);
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_zero)
{
	struct arena	 a;
	void		*p, *q;

	arena_init(&a, 4096);
	ck_assert_ptr_nonnull(p = arena_alloc(&a, 0));
	ck_assert_ptr_nonnull(q = arena_alloc(&a, 0));
	ck_assert_ptr_ne(p, q);
	ck_assert_uint_eq((uintptr_t)p % ALIGN, 0);
	ck_assert_uint_eq((uintptr_t)q % ALIGN, 0);
	ck_assert_uint_eq(a.total, 2 * ALIGN);
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_large)
{
	struct arena	 a;
	unsigned char	*big, *small, *big2;
	size_t		 i;

	arena_init(&a, ARENA_MAX);
	ck_assert_ptr_nonnull(small = arena_alloc(&a, 10));
	memset(small, 's', 10);
	/* Bigger than a block (16 KiB) gets a block of its own. */
	ck_assert_ptr_nonnull(big = arena_alloc(&a, 100000));
	ck_assert_uint_eq((uintptr_t)big % ALIGN, 0);
	memset(big, 'b', 100000);
	ck_assert_uint_eq(a.total, ROUNDUP(10) + ROUNDUP(100000));
	ck_assert_ptr_nonnull(big2 = arena_alloc(&a, 16 * 1024 + 1));
	memset(big2, 'c', 16 * 1024 + 1);
	ck_assert_ptr_nonnull(arena_alloc(&a, 10));
	ck_assert_uint_eq(a.total, 2 * ROUNDUP(10) + ROUNDUP(100000) +
	    ROUNDUP(16 * 1024 + 1));
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(small[i], 's');
	for (i = 0; i < 100000; i++)
		if (big[i] != 'b')
			ck_abort_msg("big[%zu] overwritten", i);
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_strings)
{
	struct arena	 a;
	char		*s;

	arena_init(&a, ARENA_MAX);
	ck_assert_str_eq(arena_strndup(&a, "hello world", 5), "hello");
	ck_assert_str_eq(arena_strndup(&a, "abc", 0), "");
	ck_assert_str_eq(arena_strndup(&a, "a\0bc", 4) + 2, "bc");
	ck_assert_str_eq(arena_strdup(&a, "dup me"), "dup me");
	ck_assert_str_eq(arena_strdup(&a, ""), "");
	ck_assert_str_eq(arena_printf(&a, "%s-%d-%05.1f", "x", 42, 3.5),
	    "x-42-003.5");
	ck_assert_str_eq(arena_printf(&a, "%s", ""), "");
	/* Longer than a block. */
	ck_assert_ptr_nonnull(s = arena_printf(&a, "<%*s>", 20000, "z"));
	ck_assert_uint_eq(strlen(s), 20002);
	ck_assert_int_eq(s[0], '<');
	ck_assert_int_eq(s[1], ' ');
	ck_assert_str_eq(s + 20000, "z>");
	arena_free(&a);

	/* printf needs n + 1 bytes: exactly at the limit. */
	arena_init(&a, ALIGN);
	ck_assert_ptr_null(arena_printf(&a, "%0*d", (int)ALIGN, 7));
	ck_assert_uint_eq(a.total, 0);
	ck_assert_ptr_nonnull(s = arena_printf(&a, "%0*d", (int)ALIGN - 1,
	    7));
	ck_assert_uint_eq(strlen(s), ALIGN - 1);
	ck_assert_uint_eq(a.total, ALIGN);
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_reset)
{
	struct arena	 a;
	char		*first, *p;
	size_t		 i;

	arena_init(&a, 64 * 1024);
	ck_assert_ptr_nonnull(first = arena_strdup(&a, "secret-token"));
	ck_assert_ptr_nonnull(arena_alloc(&a, 20000));
	ck_assert_ptr_nonnull(arena_alloc(&a, 30000));
	ck_assert_ptr_null(arena_alloc(&a, 20000));
	arena_reset(&a);
	ck_assert_uint_eq(a.total, 0);
	ck_assert_uint_eq(a.limit, 64 * 1024);
	/* The oldest block is kept, wiped, and handed out again. */
	ck_assert_ptr_nonnull(a.head);
	ck_assert_ptr_nonnull(p = arena_alloc(&a, 16));
	ck_assert_ptr_eq(p, first);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(p[i], 0);
	/* The whole limit is available again. */
	ck_assert_ptr_nonnull(arena_alloc(&a, 64 * 1024 - 16));
	ck_assert_uint_eq(a.total, 64 * 1024);
	ck_assert_ptr_null(arena_alloc(&a, 1));
	arena_reset(&a);
	arena_reset(&a);
	ck_assert_uint_eq(a.total, 0);
	arena_free(&a);
}
END_TEST

START_TEST(test_arena_free)
{
	struct arena	 a;

	arena_init(&a, ARENA_MAX);
	arena_free(&a);			/* never used */
	ck_assert_ptr_null(a.head);
	ck_assert_ptr_nonnull(arena_alloc(&a, 100));
	ck_assert_ptr_nonnull(arena_alloc(&a, 50000));
	ck_assert_ptr_nonnull(arena_alloc(&a, 100));
	arena_free(&a);
	ck_assert_ptr_null(a.head);
	ck_assert_uint_eq(a.total, 0);
	/* Usable again after arena_free(). */
	ck_assert_str_eq(arena_strdup(&a, "again"), "again");
	ck_assert_uint_eq(a.total, ALIGN);
	arena_free(&a);
	ck_assert_ptr_null(a.head);
}
END_TEST

/* Records the order cleanups ran in. */
static char	ran[8];
static size_t	nran;

static void
note_cleanup(void *arg)
{
	if (nran < sizeof(ran) - 1)
		ran[nran++] = *(const char *)arg;
}

START_TEST(test_arena_defer)
{
	struct arena	 a;
	static const char one = '1', two = '2', three = '3';
	json_object	*o;

	nran = 0;
	memset(ran, 0, sizeof(ran));
	arena_init(&a, ARENA_MAX);
	ck_assert_int_eq(arena_defer(&a, note_cleanup, (void *)&one), 0);
	ck_assert_int_eq(arena_defer(&a, note_cleanup, (void *)&two), 0);
	ck_assert_uint_eq(nran, 0);
	arena_reset(&a);
	ck_assert_str_eq(ran, "21");		/* newest first, once */
	arena_reset(&a);
	ck_assert_str_eq(ran, "21");
	ck_assert_int_eq(arena_defer(&a, note_cleanup, (void *)&three), 0);
	arena_free(&a);				/* runs them too */
	ck_assert_str_eq(ran, "213");
	/* An owned JSON object is released at the reset. */
	o = json_object_new_string("x");
	json_object_get(o);
	ck_assert_int_eq(arena_defer(&a, json_release_wiped, o), 0);
	arena_reset(&a);
	ck_assert_str_eq(json_object_get_string(o), "");	/* wiped */
	ck_assert_int_eq(json_object_put(o), 1);	/* the last reference */
	arena_free(&a);
	/* An exhausted arena refuses, and runs nothing. */
	arena_init(&a, 64);
	while (arena_alloc(&a, 16) != NULL)
		;
	ck_assert_int_eq(arena_defer(&a, note_cleanup, (void *)&one), -1);
	arena_free(&a);
	ck_assert_str_eq(ran, "213");
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite	*s = suite_create("arena");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_arena_align);
	tcase_add_test(tc, test_arena_limit);
	tcase_add_test(tc, test_arena_zero);
	tcase_add_test(tc, test_arena_large);
	tcase_add_test(tc, test_arena_strings);
	tcase_add_test(tc, test_arena_reset);
	tcase_add_test(tc, test_arena_free);
	tcase_add_test(tc, test_arena_defer);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * request: url_decode, query strings, cookies, CGI parameters, JSON
 *
 * Tests that need an arena or a request use ta and tr, set up fresh for
 * each test and released by the teardown even when an assertion fails
 * (so CK_FORK=no under valgrind shows no leaks from failing tests).
 */

static struct arena	ta;
static struct req	tr;

static void
fx_setup(void)
{
	arena_init(&ta, ARENA_MAX);
	memset(&tr, 0, sizeof(tr));
	tr.arena = &ta;
}

static void
fx_teardown(void)
{
	tr.json = NULL;
	arena_free(&ta);		/* releases tr.json (arena_defer()) */
}

/* Replaces the test arena with an empty one of the given limit. */
static void
fx_limit(size_t limit)
{
	arena_free(&ta);
	arena_init(&ta, limit);
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

/*
 * router
 */

static const struct {
	const char	*pattern;
	const char	*path;
	int		 rc;
	size_t		 nparam;
	const char	*param[ROUTE_MAXPARAMS];
} match_cases[] = {
	{ "/api/health", "/api/health", 1, 0, { NULL } },
	{ "/", "/", 1, 0, { NULL } },
	{ "/api/health", "/api/healthz", 0, 0, { NULL } },
	{ "/api/health", "/api/healt", 0, 0, { NULL } },
	{ "/api/health", "/api/Health", 0, 0, { NULL } },
	{ "/api/health", "/api", 0, 0, { NULL } },
	{ "/api", "/api/health", 0, 0, { NULL } },
	{ "/api/health", "api/health", 0, 0, { NULL } },
	{ "/api/health", "", 0, 0, { NULL } },
	/* No trailing-slash folding, either way. */
	{ "/api/health", "/api/health/", 0, 0, { NULL } },
	{ "/api/health/", "/api/health", 0, 0, { NULL } },
	{ "/api/health", "//api/health", 0, 0, { NULL } },
	{ "/api/x/:id", "/api/x/42", 1, 1, { "42" } },
	{ "/api/x/:id", "/api/x/a%2Fb", 1, 1, { "a%2Fb" } },
	{ "/api/x/:id", "/api/x/", 0, 0, { NULL } },
	{ "/api/x/:id", "/api/x", 0, 0, { NULL } },
	{ "/api/x/:id", "/api/x//", 0, 0, { NULL } },
	{ "/api/x/:id/y", "/api/x//y", 0, 0, { NULL } },
	{ "/api/x/:id", "/api/y/42", 0, 0, { NULL } },
	/* Too many segments. */
	{ "/api/x/:id", "/api/x/1/2", 0, 0, { NULL } },
	{ "/api/x/:id", "/api/x/1/", 0, 0, { NULL } },
	{ "/api/x", "/api/x/y/z", 0, 0, { NULL } },
	{ "/api/x/:id/y/:k", "/api/x/1/y/two", 1, 2, { "1", "two" } },
	{ "/api/x/:id/y/:k", "/api/x/1/z/two", 0, 0, { NULL } },
	{ "/api/:a/:b/:c/:d", "/api/1/2/3/4", 1, 4, { "1", "2", "3", "4" } },
	{ "/api/:a/:b/:c/:d/:e", "/api/1/2/3/4/5", 0, 0, { NULL } },
	{ "/api/f/*rest", "/api/f/a/b/c.txt", 1, 1, { "a/b/c.txt" } },
	{ "/api/f/*rest", "/api/f/a", 1, 1, { "a" } },
	{ "/api/f/*rest", "/api/f/a/", 1, 1, { "a/" } },
	{ "/api/f/*rest", "/api/f//a", 1, 1, { "/a" } },
	{ "/api/f/*rest", "/api/f/", 0, 0, { NULL } },
	{ "/api/f/*rest", "/api/f", 0, 0, { NULL } },
	{ "/api/f/*rest", "/api/g/a", 0, 0, { NULL } },
	{ "/api/:id/*rest", "/api/7/x/y", 1, 2, { "7", "x/y" } },
	{ "/api/:a/:b/:c/:d/*r", "/api/1/2/3/4/5", 0, 0, { NULL } },
};

START_TEST(test_route_match)
{
	const char	*path = match_cases[_i].path;
	size_t		 i;
	int		 rc;

	rc = route_match(match_cases[_i].pattern, path, &tr);
	ck_assert_msg(rc == match_cases[_i].rc, "%s vs %s: rc %d",
	    match_cases[_i].pattern, path, rc);
	if (rc == 1) {
		ck_assert_uint_eq(tr.nparam, match_cases[_i].nparam);
		for (i = 0; i < tr.nparam; i++) {
			ck_assert_str_eq(tr.param[i], match_cases[_i].param[i]);
			/* A copy, not a pointer into the path. */
			ck_assert_msg(tr.param[i] < path ||
			    tr.param[i] > path + strlen(path),
			    "param %zu points into the path", i);
		}
	}
}
END_TEST

START_TEST(test_route_match_arena)
{
	fx_limit(0);
	ck_assert_int_eq(route_match("/api/x/:id", "/api/x/1", &tr), -1);
	ck_assert_int_eq(route_match("/api/x/*r", "/api/x/1", &tr), -1);
	ck_assert_int_eq(route_match("/api/x", "/api/x", &tr), 1);
}
END_TEST

static int
h_test(struct req *r, struct resp *resp)
{
	(void)r;
	(void)resp;
	return 200;
}

static const struct route find_table[] = {
	{ M_GET | M_HEAD,	"/api/items",		h_test, 0, 0 },
	{ M_POST,		"/api/items",		h_test, 0, 0 },
	{ M_GET,		"/api/items/:id",	h_test, 0, 0 },
	{ M_DELETE,		"/api/items/:id",	h_test, 0, 0 },
	{ M_GET,		"/api/files/*path",	h_test, 0, 0 },
	{ 0, NULL, NULL, 0, 0 }
};

static const struct {
	unsigned int	 method;
	const char	*path;
	int		 row;		/* -1: no match */
	int		 status;
	unsigned int	 allowed;
	size_t		 nparam;
	const char	*param;
} find_cases[] = {
	{ M_GET, "/api/items", 0, 0, 0, 0, NULL },
	{ M_HEAD, "/api/items", 0, 0, 0, 0, NULL },
	{ M_POST, "/api/items", 1, 0, 0, 0, NULL },
	{ M_GET, "/api/items/7", 2, 0, 0, 1, "7" },
	{ M_DELETE, "/api/items/7", 3, 0, 0, 1, "7" },
	{ M_GET, "/api/files/a/b", 4, 0, 0, 1, "a/b" },
	{ M_PUT, "/api/items", -1, 405, M_GET | M_HEAD | M_POST, 0, NULL },
	{ 0, "/api/items", -1, 405, M_GET | M_HEAD | M_POST, 0, NULL },
	{ M_PATCH, "/api/items/7", -1, 405, M_GET | M_DELETE, 0, NULL },
	{ M_POST, "/api/files/a", -1, 405, M_GET, 0, NULL },
	{ M_GET, "/api/nope", -1, 404, 0, 0, NULL },
	{ M_GET, "/api/items/", -1, 404, 0, 0, NULL },
	{ M_GET, "/api/items/7/x", -1, 404, 0, 0, NULL },
	{ M_GET, "/api/files/", -1, 404, 0, 0, NULL },
	{ M_DELETE, "/api/nope", -1, 404, 0, 0, NULL },
};

START_TEST(test_route_find)
{
	const struct route	*rt;
	int			 status = -1;
	unsigned int		 allowed = 0xdead;

	tr.method = find_cases[_i].method;
	tr.path = find_cases[_i].path;
	rt = route_find(find_table, &tr, &status, &allowed);
	if (find_cases[_i].row >= 0) {
		ck_assert_ptr_eq(rt, &find_table[find_cases[_i].row]);
		ck_assert_uint_eq(tr.nparam, find_cases[_i].nparam);
		if (find_cases[_i].param != NULL)
			ck_assert_str_eq(tr.param[0], find_cases[_i].param);
	} else {
		ck_assert_ptr_null(rt);
		ck_assert_int_eq(status, find_cases[_i].status);
		ck_assert_uint_eq(allowed, find_cases[_i].allowed);
		ck_assert_uint_eq(tr.nparam, 0);
	}
}
END_TEST

START_TEST(test_route_find_arena)
{
	int		 status = -1;
	unsigned int	 allowed;

	fx_limit(0);
	tr.method = M_GET;
	tr.path = "/api/items/7";
	ck_assert_ptr_null(route_find(find_table, &tr, &status, &allowed));
	ck_assert_int_eq(status, 500);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_route_match, 0, NELEM(match_cases));
	tcase_add_test(tc, test_route_match_arena);
	tcase_add_loop_test(tc, test_route_find, 0, NELEM(find_cases));
	tcase_add_test(tc, test_route_find_arena);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * response: trsp is released by the teardown
 */

static struct resp	trsp;

static void
resp_setup(void)
{
	memset(&trsp, 0, sizeof(trsp));
}

static void
resp_teardown(void)
{
	json_object_put(trsp.body);
	trsp.body = NULL;
}

static const char *
plain(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

START_TEST(test_resp_error)
{
	ck_assert_int_eq(resp_error(&trsp, 404, "not_found", "No such %s",
	    "thing"), 404);
	ck_assert_ptr_nonnull(trsp.body);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"No such thing\",\"code\":\"not_found\"}");
	ck_assert_ptr_null(trsp.raw);

	/* Replaces the previous body (valgrind checks it is put). */
	ck_assert_int_eq(resp_error(&trsp, 409, "conflict", "Conflict"), 409);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"Conflict\",\"code\":\"conflict\"}");

	ck_assert_int_eq(resp_error(&trsp, 400, "bad", "say \"%s\"", "hi"),
	    400);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"say \\\"hi\\\"\",\"code\":\"bad\"}");

	ck_assert_int_eq(resp_error_field(&trsp, 422, "invalid", "name",
	    "bad %d", 1), 422);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"bad 1\",\"code\":\"invalid\",\"field\":\"name\"}");

	ck_assert_int_eq(resp_error_field(&trsp, 400, "invalid", NULL,
	    "no field"), 400);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"no field\",\"code\":\"invalid\"}");
}
END_TEST

START_TEST(test_resp_error_replaces)
{
	json_object	*o;
	char		 big[1000];

	ck_assert_ptr_nonnull(o = json_object_new_object());
	json_object_object_add(o, "partial", json_object_new_string(
	    "a string that must be freed"));
	json_object_object_add(o, "n", json_object_new_array());
	trsp.body = o;
	trsp.raw = "{\"raw\":1}";
	trsp.rawlen = 9;
	ck_assert_int_eq(resp_error(&trsp, 500, "internal", "Internal error"),
	    500);
	ck_assert_ptr_null(trsp.raw);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"Internal error\",\"code\":\"internal\"}");

	/* A raw body alone is dropped too. */
	json_object_put(trsp.body);
	trsp.body = NULL;
	trsp.raw = "{\"raw\":1}";
	ck_assert_int_eq(resp_error(&trsp, 403, "forbidden", "Forbidden"),
	    403);
	ck_assert_ptr_null(trsp.raw);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"Forbidden\",\"code\":\"forbidden\"}");

	/* A long message is cut, never overflows. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(resp_error(&trsp, 400, "long", "%s", big), 400);
	ck_assert(json_object_object_get_ex(trsp.body, "error", &o));
	ck_assert_uint_gt(strlen(json_object_get_string(o)), 0);
	ck_assert_uint_lt(strlen(json_object_get_string(o)), sizeof(big));
	ck_assert_int_eq(strncmp(json_object_get_string(o), big,
	    strlen(json_object_get_string(o))), 0);
}
END_TEST

START_TEST(test_resp_json_body)
{
	const char	*s;
	size_t		 len = 99;

	s = resp_body_text(&trsp, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);

	trsp.raw = "{\"raw\":true}";
	trsp.rawlen = 12;
	s = resp_body_text(&trsp, &len);
	ck_assert_ptr_eq(s, trsp.raw);
	ck_assert_uint_eq(len, 12);

	ck_assert_int_eq(resp_json(&trsp, 201, json_object_new_object()),
	    201);
	ck_assert_ptr_null(trsp.raw);
	json_object_object_add(trsp.body, "url",
	    json_object_new_string("https://x/y"));
	s = resp_body_text(&trsp, &len);
	ck_assert_str_eq(s, "{\"url\":\"https://x/y\"}");
	ck_assert_uint_eq(len, strlen(s));

	/* A NULL object is an internal error. */
	ck_assert_int_eq(resp_json(&trsp, 200, NULL), 500);
	ck_assert_str_eq(plain(trsp.body),
	    "{\"error\":\"Internal error\",\"code\":\"internal\"}");
}
END_TEST

START_TEST(test_resp_header)
{
	size_t		i;

	ck_assert_int_eq(resp_header(&trsp, "X-A", NULL), -1);
	ck_assert_uint_eq(trsp.nhdr, 0);
	for (i = 0; i < RESP_MAXHEADERS; i++)
		ck_assert_int_eq(resp_header(&trsp, "X-A", "1"), 0);
	ck_assert_uint_eq(trsp.nhdr, RESP_MAXHEADERS);
	ck_assert_int_eq(resp_header(&trsp, "X-A", "1"), -1);
	ck_assert_uint_eq(trsp.nhdr, RESP_MAXHEADERS);
}
END_TEST

static const struct {
	int		 status;
	const char	*text;
} status_cases[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 304, "Not Modified" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" }, { 299, "Unknown" }, { 0, "Unknown" },
};

START_TEST(test_resp_status_text)
{
	ck_assert_str_eq(resp_status_text(status_cases[_i].status),
	    status_cases[_i].text);
}
END_TEST

static const struct {
	int		 status;
	size_t		 bodylen;
	const char	*want;
} head_cases[] = {
	{ 404, 42,
	    "Status: 404 Not Found\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 42\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
	{ 200, 0,
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
	{ 200, 1048576,
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 1048576\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
	{ 204, 0,
	    "Status: 204 No Content\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
	{ 304, 17,
	    "Status: 304 Not Modified\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
	{ 299, 2,
	    "Status: 299 Unknown\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 2\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "\r\n" },
};

static void
head_req(struct req *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", RID);
}

START_TEST(test_resp_head)
{
	struct req	r;
	char		buf[1024];
	int		n;

	head_req(&r);
	trsp.status = head_cases[_i].status;
	n = resp_render_head(&r, &trsp, head_cases[_i].bodylen, buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, head_cases[_i].want);
	ck_assert_int_eq(n, (int)strlen(head_cases[_i].want));
}
END_TEST

START_TEST(test_resp_head_headers)
{
	struct req	 r;
	char		 buf[1024];
	const char	*want =
	    "Status: 302 Found\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n"
	    "Cache-Control: private, max-age=60\r\n"
	    "X-Request-Id: " RID "\r\n"
	    "Location: /app/\r\n"
	    "ETag: \"v1\"\r\n"
	    "\r\n";
	int		 n;

	head_req(&r);
	trsp.status = 302;
	trsp.ctype = "text/plain";
	trsp.cache = "private, max-age=60";
	ck_assert_int_eq(resp_header(&trsp, "Location", "/app/"), 0);
	ck_assert_int_eq(resp_header(&trsp, "X-Bad", "a\r\nSet-Cookie: x=1"),
	    0);
	ck_assert_int_eq(resp_header(&trsp, "X-Bad2", "a\nb"), 0);
	ck_assert_int_eq(resp_header(&trsp, "X-Bad3", "a\rb"), 0);
	ck_assert_int_eq(resp_header(&trsp, "ETag", "\"v1\""), 0);
	n = resp_render_head(&r, &trsp, 5, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_ptr_null(strstr(buf, "X-Bad"));
	ck_assert_ptr_null(strstr(buf, "Set-Cookie"));
}
END_TEST

START_TEST(test_resp_head_small)
{
	struct req	r;
	char		buf[256];
	size_t		len, sz;
	int		n;

	head_req(&r);
	trsp.status = 404;
	n = resp_render_head(&r, &trsp, 42, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	len = (size_t)n;
	/* Every buffer shorter than the block plus its NUL fails. */
	for (sz = 0; sz <= len; sz++)
		ck_assert_msg(resp_render_head(&r, &trsp, 42, buf, sz) == -1,
		    "bufsz %zu of %zu accepted", sz, len);
	ck_assert_int_eq(resp_render_head(&r, &trsp, 42, buf, len + 1), n);
	ck_assert_uint_eq(strlen(buf), len);
}
END_TEST

static Suite *
response_suite(void)
{
	Suite	*s = suite_create("response");
	TCase	*tc;

	tc = tcase_create("error");
	tcase_add_checked_fixture(tc, resp_setup, resp_teardown);
	tcase_add_test(tc, test_resp_error);
	tcase_add_test(tc, test_resp_error_replaces);
	tcase_add_test(tc, test_resp_json_body);
	tcase_add_test(tc, test_resp_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("head");
	tcase_add_checked_fixture(tc, resp_setup, resp_teardown);
	tcase_add_loop_test(tc, test_resp_status_text, 0,
	    NELEM(status_cases));
	tcase_add_loop_test(tc, test_resp_head, 0, NELEM(head_cases));
	tcase_add_test(tc, test_resp_head_headers);
	tcase_add_test(tc, test_resp_head_small);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * log
 */

static const struct {
	const char	*src;
	size_t		 dstsz;
	const char	*want;
} clean_cases[] = {
	{ "hello", 64, "hello" },
	{ "", 64, "" },
	{ NULL, 64, "" },
	{ " ~!\"", 64, " ~!\"" },
	{ "a\nb", 64, "a\\nb" },
	{ "a\rb\tc\\d", 64, "a\\rb\\tc\\\\d" },
	{ "\r\n", 64, "\\r\\n" },
	{ "\x01\x1f\x7f\x80\xff", 64, "?????" },
	{ "h\xc3\xa9llo", 64, "h??llo" },
	{ "\x1b[31mred", 64, "?[31mred" },
	{ "abcdef", 4, "abc" },
	{ "abc", 4, "abc" },
	{ "abc", 1, "" },
	{ "a\n", 4, "a\\n" },
	{ "ab\n", 4, "ab" },		/* an escape is never split */
	{ "abc\\", 5, "abc" },
	{ "\n", 2, "" },
	{ "\n", 3, "\\n" },
	{ "\x80x", 2, "?" },
};

START_TEST(test_log_clean)
{
	char	buf[80];
	size_t	sz = clean_cases[_i].dstsz, i;

	memset(buf, 'Z', sizeof(buf));
	log_clean(buf, sz, clean_cases[_i].src);
	ck_assert_str_eq(buf, clean_cases[_i].want);
	ck_assert_uint_lt(strlen(buf), sz);
	for (i = sz; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 'Z');
}
END_TEST

START_TEST(test_log_clean_zero)
{
	char	buf[4] = "ZZZ";

	log_clean(buf, 0, "abc");
	ck_assert_str_eq(buf, "ZZZ");
}
END_TEST

/* Every byte value, in a short buffer: always printable and terminated. */
START_TEST(test_log_clean_bytes)
{
	char	src[2], buf[8];
	size_t	i;

	src[0] = (char)(_i + 1);
	src[1] = '\0';
	log_clean(buf, sizeof(buf), src);
	ck_assert_uint_le(strlen(buf), 2);
	for (i = 0; buf[i] != '\0'; i++)
		ck_assert_msg(buf[i] >= 0x20 && buf[i] < 0x7f,
		    "byte %#x gave %#x", _i + 1, (unsigned char)buf[i]);
	if (_i + 1 >= 0x20 && _i + 1 < 0x7f && _i + 1 != '\\')
		ck_assert_int_eq(buf[0], _i + 1);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("clean");

	tcase_add_loop_test(tc, test_log_clean, 0, NELEM(clean_cases));
	tcase_add_test(tc, test_log_clean_zero);
	tcase_add_loop_test(tc, test_log_clean_bytes, 0, 255);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * cfg
 */

static const char *const cfg_env[] = {
	"DATABASE_URL", "APCONN_KEYS", "APCONN_PUBLIC_URL", "APCONN_APP_URL",
	"APCONN_PIECES_URL", "ACTIVEPIECES_API_BASE_URL",
	"APCONN_PIECES_API_KEY", "ACTIVEPIECES_API_KEY", "AP_ENCRYPTION_KEY",
	"INTEGRATION_ENCRYPTION_KEY", "APCONN_OUTBOUND_ALLOW",
	"APCONN_SESSION_DAYS", "APCONN_ACCESS_LOG", "APCONN_AUTH",
	"BETTER_AUTH_SECRET", "APCONN_BETTER_AUTH_DB",
};

static char		cfg_path[64];
static struct config	tcfg;

static void
cfg_setup(void)
{
	size_t	i;

	for (i = 0; i < NELEM(cfg_env); i++)
		unsetenv(cfg_env[i]);
	cfg_path[0] = '\0';
	memset(&tcfg, 0, sizeof(tcfg));
}

static void
cfg_teardown(void)
{
	size_t	i;

	for (i = 0; i < NELEM(cfg_env); i++)
		unsetenv(cfg_env[i]);
	if (cfg_path[0] != '\0')
		unlink(cfg_path);
	cfg_path[0] = '\0';
	cfg_free(&tcfg);
}

/* Writes text to a fresh temporary file with the given mode. */
static const char *
cfg_write(const char *text, mode_t mode)
{
	size_t	len = strlen(text);
	int	fd;

	if (cfg_path[0] != '\0')
		unlink(cfg_path);
	snprintf(cfg_path, sizeof(cfg_path), "/tmp/apconn-check.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(cfg_path), -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
	return cfg_path;
}

START_TEST(test_cfg_defaults)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(tcfg.session_days, 30);
	ck_assert_int_eq(tcfg.access_log, 1);
	ck_assert_str_eq(tcfg.database_url, "");
	ck_assert_str_eq(tcfg.keys, "");
	ck_assert_str_eq(tcfg.public_url, "http://localhost:8080");
	ck_assert_str_eq(tcfg.app_url, "");
	ck_assert_str_eq(tcfg.pieces_url,
	    "https://cloud.activepieces.com/api/v1");
	ck_assert_str_eq(tcfg.pieces_api_key, "");
	ck_assert_str_eq(tcfg.ap_encryption_key, "");
	ck_assert_str_eq(tcfg.integration_encryption_key, "");
	ck_assert_str_eq(tcfg.outbound_allow, "");
	cfg_free(&tcfg);
	ck_assert_ptr_null(tcfg.database_url);
	ck_assert_ptr_null(tcfg.public_url);
	cfg_free(&tcfg);			/* idempotent */
}
END_TEST

START_TEST(test_cfg_env)
{
	char		err[256];

	ck_assert_int_eq(setenv("APCONN_SESSION_DAYS", "7", 1), 0);
	ck_assert_int_eq(setenv("APCONN_ACCESS_LOG", "0", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PUBLIC_URL", "https://x.example", 1),
	    0);
	ck_assert_int_eq(setenv("DATABASE_URL", "postgresql:///apconn", 1),
	    0);
	ck_assert_int_eq(setenv("ACTIVEPIECES_API_KEY", "alias-key", 1), 0);
	ck_assert_int_eq(setenv("ACTIVEPIECES_API_BASE_URL",
	    "https://alias.example/api", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PIECES_URL", "https://main.example",
	    1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(tcfg.session_days, 7);
	ck_assert_int_eq(tcfg.access_log, 0);
	ck_assert_str_eq(tcfg.public_url, "https://x.example");
	ck_assert_str_eq(tcfg.database_url, "postgresql:///apconn");
	/* The original's name works; the new name wins over it. */
	ck_assert_str_eq(tcfg.pieces_api_key, "alias-key");
	ck_assert_str_eq(tcfg.pieces_url, "https://main.example");
	ck_assert_str_eq(tcfg.app_url, "");
	cfg_free(&tcfg);
}
END_TEST

static const struct {
	const char	*name;
	const char	*val;
} cfg_badenv_cases[] = {
	{ "APCONN_SESSION_DAYS", "0" },
	{ "APCONN_SESSION_DAYS", "3651" },
	{ "APCONN_SESSION_DAYS", "abc" },
	{ "APCONN_SESSION_DAYS", "7days" },
	{ "APCONN_SESSION_DAYS", "" },
	{ "APCONN_SESSION_DAYS", "99999999999999999999" },
	{ "APCONN_ACCESS_LOG", "2" },
	{ "APCONN_ACCESS_LOG", "-1" },
	{ "APCONN_ACCESS_LOG", "yes" },
};

START_TEST(test_cfg_env_bad)
{
	char		err[256] = "";

	ck_assert_int_eq(setenv(cfg_badenv_cases[_i].name,
	    cfg_badenv_cases[_i].val, 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, cfg_badenv_cases[_i].name) != NULL,
	    "err \"%s\" does not name the key", err);
	ck_assert_msg(strncmp(err, "environment: ", 13) == 0,
	    "err \"%s\" does not say where", err);
	cfg_free(&tcfg);
}
END_TEST

/* APCONN_AUTH: a known mode, and better-auth only with what it needs. */
START_TEST(test_cfg_auth_mode)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.auth, "apconn");
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_AUTH", "cookie", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "APCONN_AUTH"));
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_AUTH", "better-auth", 1), 0);
	ck_assert_int_eq(setenv("BETTER_AUTH_SECRET", "s", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "APCONN_BETTER_AUTH_DB"));
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_BETTER_AUTH_DB", "dbname=wb", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.auth, "better-auth");
	ck_assert_int_eq(cfg_is_secret("BETTER_AUTH_SECRET"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_BETTER_AUTH_DB"), 1);
}
END_TEST

START_TEST(test_cfg_file)
{
	char		 err[256] = "";
	const char	*path;

	path = cfg_write(
	    "# apconn configuration\n"
	    "\n"
	    "   # indented comment\n"
	    "APCONN_SESSION_DAYS = 12\n"
	    "  APCONN_PUBLIC_URL=https://f.example/a=b  \n"
	    "APCONN_KEYS = k1:abcdef\n"
	    "APCONN_ACCESS_LOG\t=\t0\r\n"
	    "APCONN_APP_URL =\n"
	    "APCONN_OUTBOUND_ALLOW = a.example b.example", 0600);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	ck_assert_int_eq(tcfg.session_days, 12);
	ck_assert_int_eq(tcfg.access_log, 0);
	ck_assert_str_eq(tcfg.public_url, "https://f.example/a=b");
	ck_assert_str_eq(tcfg.keys, "k1:abcdef");
	ck_assert_str_eq(tcfg.app_url, "");
	ck_assert_str_eq(tcfg.outbound_allow, "a.example b.example");
	ck_assert_str_eq(tcfg.pieces_url,
	    "https://cloud.activepieces.com/api/v1");
	cfg_free(&tcfg);
}
END_TEST

static const struct {
	const char	*text;
	const char	*want;		/* after "path:" */
} cfg_badfile_cases[] = {
	{ "# ok\nNOPE = 1\n", "2: unknown key NOPE" },
	{ "APCONN_SESSION_DAYS = 1\n\nAPCONN_SESSION_DAYZ = 1\n",
	    "3: unknown key APCONN_SESSION_DAYZ" },
	{ "APCONN_SESSION_DAYS 12\n",
	    "1: no '=' on this line (expected KEY = value)" },
	{ "\n\nAPCONN_SESSION_DAYS = abc\n",
	    "3: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_SESSION_DAYS = 0\n",
	    "1: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_SESSION_DAYS = 12x\n",
	    "1: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_ACCESS_LOG =\n",
	    "1: APCONN_ACCESS_LOG must be an integer from 0 to 1" },
	{ "apconn_session_days = 5\n",
	    "1: unknown key apconn_session_days" },
};

START_TEST(test_cfg_file_bad)
{
	char		 err[512] = "", want[512];
	const char	*path;

	path = cfg_write(cfg_badfile_cases[_i].text, 0600);
	snprintf(want, sizeof(want), "%s:%s", path, cfg_badfile_cases[_i].want);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_file_missing)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, "/nonexistent/apconn.conf", err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "/nonexistent/apconn.conf: ", 26) == 0,
	    "err \"%s\"", err);
	cfg_free(&tcfg);
}
END_TEST

static const char *const cfg_secret_keys[] = {
	"APCONN_KEYS", "DATABASE_URL", "APCONN_PIECES_API_KEY",
	"AP_ENCRYPTION_KEY", "INTEGRATION_ENCRYPTION_KEY",
	"BETTER_AUTH_SECRET", "APCONN_BETTER_AUTH_DB",
};

START_TEST(test_cfg_file_secret)
{
	char		 err[512] = "", text[128], want[512];
	const char	*key = cfg_secret_keys[_i], *path;

	snprintf(text, sizeof(text), "# secrets\n%s = s3cr3t\n", key);

	path = cfg_write(text, 0644);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: %s is a secret and the file is "
	    "world-readable (chmod o-r)", path, key);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(strstr(err, "s3cr3t"));
	cfg_free(&tcfg);

	path = cfg_write(text, 0604);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	cfg_free(&tcfg);

	path = cfg_write(text, 0600);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	path = cfg_write(text, 0640);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	/* An empty secret reveals nothing. */
	snprintf(text, sizeof(text), "%s =\n", key);
	path = cfg_write(text, 0644);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	/* Not secret: world-readable is fine. */
	path = cfg_write("APCONN_PUBLIC_URL = https://p.example\n", 0644);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	ck_assert_str_eq(tcfg.public_url, "https://p.example");
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_file_values)
{
	char		 err[256];
	const char	*path;

	path = cfg_write("APCONN_KEYS = filekey\nDATABASE_URL = dbname=x\n",
	    0600);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.keys, "filekey");
	ck_assert_str_eq(tcfg.database_url, "dbname=x");
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_env_wins)
{
	char		 err[256];
	const char	*path;

	path = cfg_write("APCONN_SESSION_DAYS = 12\n"
	    "APCONN_PUBLIC_URL = https://file.example\n"
	    "APCONN_APP_URL = https://app.file.example\n", 0600);
	ck_assert_int_eq(setenv("APCONN_SESSION_DAYS", "40", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PUBLIC_URL", "https://env.example",
	    1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_int_eq(tcfg.session_days, 40);
	ck_assert_str_eq(tcfg.public_url, "https://env.example");
	ck_assert_str_eq(tcfg.app_url, "https://app.file.example");
	cfg_free(&tcfg);

	/* An empty environment value still wins. */
	ck_assert_int_eq(setenv("APCONN_APP_URL", "", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.app_url, "");
	cfg_free(&tcfg);
}
END_TEST

static char	dump_buf[4096];

static void
dump_cb(const char *name, const char *val)
{
	size_t	off = strlen(dump_buf);

	snprintf(dump_buf + off, sizeof(dump_buf) - off, "%s=%s\n", name, val);
}

START_TEST(test_cfg_dump)
{
	char		err[256];

	ck_assert_int_eq(setenv("APCONN_KEYS", "s3cr3t-ring", 1), 0);
	ck_assert_int_eq(setenv("AP_ENCRYPTION_KEY", "s3cr3t-ap", 1), 0);
	ck_assert_int_eq(setenv("APCONN_APP_URL", "https://app.example", 1),
	    0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	dump_buf[0] = '\0';
	cfg_dump(&tcfg, dump_cb);
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_KEYS=(redacted)\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "AP_ENCRYPTION_KEY=(redacted)\n"));
	/* Empty secrets read empty, so an operator sees they are unset. */
	ck_assert_ptr_nonnull(strstr(dump_buf, "DATABASE_URL=\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_PIECES_API_KEY=\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "APCONN_APP_URL=https://app.example\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "APCONN_PUBLIC_URL=http://localhost:8080\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_SESSION_DAYS=30\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_ACCESS_LOG=1\n"));
	ck_assert_ptr_null(strstr(dump_buf, "s3cr3t"));
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_is_secret)
{
	ck_assert_int_eq(cfg_is_secret("DATABASE_URL"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_KEYS"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_PIECES_API_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("AP_ENCRYPTION_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("INTEGRATION_ENCRYPTION_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_PUBLIC_URL"), 0);
	ck_assert_int_eq(cfg_is_secret("APCONN_SESSION_DAYS"), 0);
	ck_assert_int_eq(cfg_is_secret("NOPE"), 0);
	ck_assert_int_eq(cfg_is_secret(""), 0);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite	*s = suite_create("cfg");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, test_cfg_defaults);
	tcase_add_test(tc, test_cfg_env);
	tcase_add_loop_test(tc, test_cfg_env_bad, 0, NELEM(cfg_badenv_cases));
	tcase_add_test(tc, test_cfg_file);
	tcase_add_test(tc, test_cfg_auth_mode);
	tcase_add_loop_test(tc, test_cfg_file_bad, 0,
	    NELEM(cfg_badfile_cases));
	tcase_add_test(tc, test_cfg_file_missing);
	tcase_add_loop_test(tc, test_cfg_file_secret, 0,
	    NELEM(cfg_secret_keys));
	tcase_add_test(tc, test_cfg_file_values);
	tcase_add_test(tc, test_cfg_env_wins);
	tcase_add_test(tc, test_cfg_dump);
	tcase_add_test(tc, test_cfg_is_secret);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * stmts: the statement table agrees with the SQL text
 */

#define SQL_MAXPARAMS	100

/*
 * Returns the highest $N placeholder in sql (0 if none) and marks each N
 * in seen[], or -1 for a placeholder of 0 or SQL_MAXPARAMS and above.
 */
static long
sql_params(const char *sql, unsigned char seen[SQL_MAXPARAMS])
{
	const char	*p;
	char		*end;
	long		 n, max = 0;

	memset(seen, 0, SQL_MAXPARAMS);
	for (p = sql; (p = strchr(p, '$')) != NULL; p++) {
		if (p[1] < '0' || p[1] > '9')
			continue;
		n = strtol(p + 1, &end, 10);
		if (n < 1 || n >= SQL_MAXPARAMS)
			return -1;
		seen[n] = 1;
		if (n > max)
			max = n;
		p = end - 1;
	}
	return max;
}

static const struct {
	const char	*sql;
	long		 max;
	const char	*seen;		/* the N marked, as digits */
} scan_cases[] = {
	{ "SELECT 1\n", 0, "" },
	{ "SELECT $1", 1, "1" },
	{ "SELECT $2, $1 WHERE x = $2", 2, "12" },
	{ "SELECT $3", 3, "3" },
	{ "SELECT $10 + $9", 10, "" },
	{ "SELECT $$text$$, $tag$x$tag$, $1", 1, "1" },
	{ "SELECT a$1b", 1, "1" },
	{ "SELECT $0", -1, "" },
	{ "SELECT $100", -1, "" },
	{ "SELECT 1$", 0, "" },
};

START_TEST(test_stmt_scan)
{
	unsigned char	 seen[SQL_MAXPARAMS];
	const char	*d;

	ck_assert_int_eq(sql_params(scan_cases[_i].sql, seen),
	    scan_cases[_i].max);
	for (d = scan_cases[_i].seen; *d != '\0'; d++)
		ck_assert_int_eq(seen[*d - '0'], 1);
	if (scan_cases[_i].max == 10) {
		ck_assert_int_eq(seen[10], 1);
		ck_assert_int_eq(seen[9], 1);
		ck_assert_int_eq(seen[1], 0);
	}
}
END_TEST

START_TEST(test_stmt)
{
	const struct stmtdef	*st = &stmts[_i];
	unsigned char		 seen[SQL_MAXPARAMS];
	long			 max;
	int			 i;

	ck_assert_ptr_nonnull(st->name);
	ck_assert_msg(st->name[0] != '\0', "statement %d has no name", _i);
	ck_assert_ptr_nonnull(st->sql);
	ck_assert_msg(st->sql[strspn(st->sql, " \t\r\n")] != '\0',
	    "statement %s has no SQL", st->name);
	ck_assert_msg(st->nparams >= 0 && st->nparams < SQL_MAXPARAMS,
	    "statement %s: nparams %d", st->name, st->nparams);
	max = sql_params(st->sql, seen);
	ck_assert_msg(max == st->nparams, "statement %s: highest placeholder "
	    "$%ld, nparams %d", st->name, max, st->nparams);
	for (i = 1; i <= st->nparams; i++)
		ck_assert_msg(seen[i], "statement %s: $%d is never used",
		    st->name, i);
}
END_TEST

START_TEST(test_stmt_names)
{
	int	i, j;

	for (i = 0; i < STMT__MAX; i++)
		for (j = i + 1; j < STMT__MAX; j++)
			ck_assert_msg(strcmp(stmts[i].name, stmts[j].name) != 0,
			    "statements %d and %d are both %s", i, j,
			    stmts[i].name);
}
END_TEST

static Suite *
stmts_suite(void)
{
	Suite	*s = suite_create("stmts");
	TCase	*tc = tcase_create("table");

	tcase_add_loop_test(tc, test_stmt_scan, 0, NELEM(scan_cases));
	tcase_add_loop_test(tc, test_stmt, 0, STMT__MAX);
	tcase_add_test(tc, test_stmt_names);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * routes: the API table is well formed
 */

#define ALL_METHODS	(M_GET | M_HEAD | M_POST | M_PUT | M_PATCH | \
			 M_DELETE | M_OPTIONS)
#define ALL_FLAGS	(ROUTE_JSON | ROUTE_AUTH | ROUTE_OPTAUTH | \
			 ROUTE_NODB | ROUTE_OUTBOUND)
#define ALL_SCOPES	(SCOPE_CONN_READ | SCOPE_CONN_WRITE | \
			 SCOPE_CRED_READ | SCOPE_WF_READ | SCOPE_WF_WRITE | \
			 SCOPE_EXECUTOR | SCOPE_ADMIN)

static int
routes_count(void)
{
	int	n;

	for (n = 0; routes[n].pattern != NULL; n++)
		;
	return n;
}

START_TEST(test_route_row)
{
	const struct route	*rt = &routes[_i];
	const char		*p;
	char			 buf[64];
	size_t			 nparam = 0;
	int			 j;

	ck_assert_msg(strncmp(rt->pattern, "/api/", 5) == 0,
	    "route %d: pattern \"%s\" is not under /api/", _i, rt->pattern);
	ck_assert_msg(rt->fn != NULL, "route %s has no handler", rt->pattern);
	ck_assert_msg(rt->methods != 0, "route %s has no methods",
	    rt->pattern);
	ck_assert_msg((rt->methods & ~(unsigned int)ALL_METHODS) == 0,
	    "route %s: unknown method bits %#x", rt->pattern, rt->methods);
	ck_assert_msg((rt->flags & ~(unsigned int)ALL_FLAGS) == 0,
	    "route %s: unknown flags %#x", rt->pattern, rt->flags);
	ck_assert_msg((rt->scopes & ~(unsigned int)ALL_SCOPES) == 0,
	    "route %s: unknown scopes %#x", rt->pattern, rt->scopes);
	ck_assert_msg(rt->scopes == 0 ||
	    (rt->flags & (ROUTE_AUTH | ROUTE_OPTAUTH)),
	    "route %s requires scopes without reading a credential",
	    rt->pattern);
	ck_assert_msg(strstr(rt->pattern, "//") == NULL &&
	    rt->pattern[strlen(rt->pattern) - 1] != '/',
	    "route %s: empty segment or trailing slash", rt->pattern);
	for (p = rt->pattern; (p = strchr(p, '/')) != NULL; p++) {
		if (p[1] == ':' || p[1] == '*') {
			nparam++;
			ck_assert_msg(p[2] != '\0' && p[2] != '/',
			    "route %s: unnamed parameter", rt->pattern);
		}
		if (p[1] == '*')
			ck_assert_msg(strchr(p + 1, '/') == NULL,
			    "route %s: \"*\" is not last", rt->pattern);
	}
	ck_assert_msg(nparam <= ROUTE_MAXPARAMS, "route %s: %zu parameters",
	    rt->pattern, nparam);
	for (j = 0; routes[j].pattern != NULL; j++) {
		if (j == _i || strcmp(routes[j].pattern, rt->pattern) != 0)
			continue;
		ck_assert_msg((routes[j].methods & rt->methods) == 0,
		    "routes %d and %d: %s both take %s", _i, j, rt->pattern,
		    method_names(routes[j].methods & rt->methods, buf,
		    sizeof(buf)));
	}
}
END_TEST

/* Every route is found by its own pattern and methods. */
START_TEST(test_route_reachable)
{
	const struct route	*rt = &routes[_i], *got;
	char			 path[256], mname[16], *w;
	const char		*p;
	unsigned int		 m, allowed;
	int			 status;

	/* Instantiate the pattern: parameters become "x". */
	for (p = rt->pattern, w = path; *p != '\0'; ) {
		if ((p[0] == ':' || p[0] == '*') && p[-1] == '/') {
			*w++ = 'x';
			p += strcspn(p, "/");
		} else
			*w++ = *p++;
		ck_assert_uint_lt((size_t)(w - path), sizeof(path) - 2);
	}
	*w = '\0';
	for (m = 1; m <= M_OPTIONS; m <<= 1) {
		if (!(rt->methods & m))
			continue;
		tr.method = m;
		tr.path = path;
		got = route_find(routes, &tr, &status, &allowed);
		ck_assert_msg(got == rt, "%s %s reaches route %d, not %d",
		    method_names(m, mname, sizeof(mname)), path,
		    got ? (int)(got - routes) : -1, _i);
	}
}
END_TEST

static Suite *
routes_suite(void)
{
	Suite	*s = suite_create("routes");
	TCase	*tc = tcase_create("table");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_loop_test(tc, test_route_row, 0, routes_count());
	tcase_add_loop_test(tc, test_route_reachable, 0, routes_count());
	suite_add_tcase(s, tc);
	return s;
}

/* The page, rendered into a static buffer. */
static const char *
page(void)
{
	static char	buf[1 << 20];
	long		n;

	n = metrics_render(buf, sizeof(buf));
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_metrics_inactive)
{
	char	buf[64];

	/* Never created (tools, tests): everything is a no-op. */
	metrics_request(NULL, M_GET, 200, 10);
	metrics_sealed("k1");
	ck_assert_int_eq(metrics_active(), 0);
	ck_assert_int_eq(metrics_render(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_metrics_requests)
{
	const struct route	*pieces = NULL, *rt;
	const char		*p;

	for (rt = routes; rt->pattern != NULL; rt++)
		if (strcmp(rt->pattern, "/api/pieces") == 0)
			pieces = rt;
	ck_assert_ptr_nonnull(pieces);
	ck_assert_int_eq(metrics_create(routes, 1), 0);
	metrics_request(pieces, M_GET, 200, 1000);	/* on the bound */
	metrics_request(pieces, M_GET, 200, 1001);
	metrics_request(pieces, M_HEAD, 304, 20000000);	/* past 10 s */
	metrics_request(NULL, M_GET, 404, 5);
	metrics_request(NULL, 0, 299, 5);		/* odd method, status */
	p = page();
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"/api/pieces\",method=\"GET\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"/api/pieces\",method=\"HEAD\",status=\"304\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"unmatched\",method=\"GET\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"unmatched\",method=\"OTHER\",status=\"other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"GET\",le=\"0.001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"GET\",le=\"0.0025\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"HEAD\",le=\"10\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"HEAD\",le=\"+Inf\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_sum"
	    "{route=\"/api/pieces\",method=\"GET\"} 0.002001\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_count"
	    "{route=\"/api/pieces\",method=\"GET\"} 2\n"));
	/* Routes with no request show no series. */
	ck_assert_ptr_null(strstr(p, "route=\"/api/user\""));
}
END_TEST

START_TEST(test_metrics_kids)
{
	const char	*p;
	char		 small[16];

	static const char *const outcomes[] = { "ok", "invalid_grant", NULL };
	static const char *const nine[] = { "1", "2", "3", "4", "5", "6", "7",
	    "8", "9", NULL };
	int		 probe, token, fam, job;

	/* What features register before the counters exist. */
	probe = metrics_call_kind("probe");
	token = metrics_call_kind("oauth2_token");
	ck_assert_int_ne(probe, METRIC_CALL_OTHER);
	ck_assert_int_ne(token, probe);
	fam = metrics_family("apconn_oauth2_refreshes_total", "Refreshes.",
	    "outcome", outcomes);
	ck_assert_int_ge(fam, 0);
	ck_assert_int_eq(metrics_family("x_total", "Too many values.", "v",
	    nine), -1);
	job = metrics_job_kind("oauth2_refresh");
	ck_assert_int_ge(job, 0);
	ck_assert_int_eq(metrics_create(routes, 0), 0);
	/* After the fork point nothing more can be registered. */
	ck_assert_int_eq(metrics_family("late_total", "Late.", "v", outcomes),
	    -1);
	ck_assert_int_eq(metrics_call_kind("late"), METRIC_CALL_OTHER);
	ck_assert_int_eq(metrics_job_kind("late"), -1);
	metrics_key("k2");
	metrics_key("k1");
	metrics_key("k2");		/* once only */
	metrics_sealed("k2");
	metrics_sealed("k2");
	metrics_sealed("nope");		/* unregistered: not counted */
	metrics_call(probe, MO_TIMEOUT);
	metrics_count(fam, 1, 1);
	metrics_count(fam, 2, 1);	/* no such value: not counted */
	metrics_count(-1, 0, 1);	/* never registered: ignored */
	metrics_job(job, 1, 1700000000);
	metrics_leader(1234, 1);
	metrics_leader(99, 0);		/* not the leader: no effect */
	p = page();
	ck_assert_ptr_nonnull(strstr(p, "\napconn_encryptions_total{kid=\"k2\"} 2\n"
	    "apconn_encryptions_total{kid=\"k1\"} 0\n"));
	ck_assert_ptr_null(strstr(p, "nope"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_outbound_calls_total{kind="
	    "\"probe\",outcome=\"timeout\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_outbound_calls_total{kind="
	    "\"oauth2_token\",outcome=\"http_2xx\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(p, "# TYPE apconn_oauth2_refreshes_total "
	    "counter\napconn_oauth2_refreshes_total{outcome=\"ok\"} 0\n"
	    "apconn_oauth2_refreshes_total{outcome=\"invalid_grant\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_job_runs_total{job="
	    "\"oauth2_refresh\",result=\"ok\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_job_last_success_timestamp_"
	    "seconds{job=\"oauth2_refresh\"} 1700000000\n"));
	ck_assert_ptr_null(strstr(p, "late"));
	ck_assert_ptr_nonnull(strstr(p, "\napconn_jobs_leader 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "\napconn_build_info{version=\""));
	metrics_leader(1234, 0);
	ck_assert_ptr_nonnull(strstr(page(), "\napconn_jobs_leader 0\n"));
	/* Too small a buffer is an error, never a truncated page. */
	ck_assert_int_eq(metrics_render(small, sizeof(small)), -1);
}
END_TEST

START_TEST(test_loopback)
{
	const char	*lo = "127.0.0.0/8, ::1";

	ck_assert_int_eq(addr_allowed(lo, "127.0.0.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "127.3.2.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "::1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "128.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "::ffff:10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "::2"), 0);
	ck_assert_int_eq(addr_allowed(lo, "unix:"), 0);
	ck_assert_int_eq(addr_allowed(lo, "localhost"), 0);
	ck_assert_int_eq(addr_allowed(lo, ""), 0);
	ck_assert_int_eq(addr_allowed(lo, NULL), 0);
	/* Nothing is allowed by default. */
	ck_assert_int_eq(addr_allowed("", "127.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(NULL, "127.0.0.1"), 0);
	/* One address, networks of any prefix, bad entries skipped. */
	ck_assert_int_eq(addr_allowed("10.1.2.3", "10.1.2.3"), 1);
	ck_assert_int_eq(addr_allowed("10.1.2.3", "10.1.2.4"), 0);
	ck_assert_int_eq(addr_allowed("10.1.2.0/23", "10.1.3.200"), 1);
	ck_assert_int_eq(addr_allowed("10.1.2.0/23", "10.1.4.1"), 0);
	ck_assert_int_eq(addr_allowed("0.0.0.0/0", "192.0.2.1"), 1);
	ck_assert_int_eq(addr_allowed("bogus,10.0.0.0/33,10.9.9.9", "10.9.9.9"),
	    1);
	ck_assert_int_eq(addr_allowed("10.0.0.0/33", "10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed("2001:db8::/32", "2001:db8:1::5"), 1);
	ck_assert_int_eq(addr_allowed("2001:db8::/32", "2001:db9::5"), 0);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_metrics_inactive);
	tcase_add_test(tc, test_metrics_requests);
	tcase_add_test(tc, test_metrics_kids);
	tcase_add_test(tc, test_loopback);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(arena_suite());
	srunner_add_suite(sr, request_suite());
	srunner_add_suite(sr, router_suite());
	srunner_add_suite(sr, response_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, cfg_suite());
	srunner_add_suite(sr, stmts_suite());
	srunner_add_suite(sr, routes_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
