/*
 * The statement table (db/stmts.c) agrees with the SQL text: every
 * statement has a name and SQL, nparams is its highest $N and each $N is
 * used, and no two statements share a name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "db/dbi.h"
#include "unit.h"

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

int
main(void)
{
	return unit_run(stmts_suite());
}
