/*
 * The router (fcgi/router.c): route_match() on literal segments, ":name"
 * and "*name", and route_find()'s row, 404 or 405 on a small table.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "fcgi/http.h"
#define UNIT_REQ_FIXTURE
#include "unit.h"

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

int
main(void)
{
	return unit_run(router_suite());
}
