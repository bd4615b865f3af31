/*
 * The API's route table (handlers/routes.c) is well formed: known
 * methods, flags and scopes, patterns route_match() can take, no two rows
 * for one pattern and method, and every row reached by its own pattern.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "fcgi/http.h"
#include "handlers/handlers.h"
#define UNIT_REQ_FIXTURE
#include "unit.h"

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

int
main(void)
{
	return unit_run(routes_suite());
}
