/*
 * Regression tests for what the fuzz targets (fuzz/) found: each replays
 * the input through the function that failed, and checks the answer it
 * must give.  The inputs also stay in fuzz/corpus/, so every fuzz run
 * replays them first.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "handlers/handlers.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NOW		1800000000LL

/*
 * oauth2_due(): expires_in and claimed_at come from the stored value (a
 * provider's token answer, or a value a user saved), so their sum may
 * not fit in a long long.  It was computed anyway: signed overflow, and
 * in practice a wrapped sum that made a token good for ages "due".
 */
static const struct {
	const char	*value;
	long long	 now;
	int		 want;
} due_cases[] = {
	/* fuzz/corpus/connvalue/due-overflow-claimed: 179991e400 is +inf. */
	{ "{\"expires_in\":3600,\"claimed_at\":179991e400}", NOW, 0 },
	{ "{\"expires_in\":9223372036854775807,\"claimed_at\":1700000000}",
	    NOW, 0 },
	{ "{\"expires_in\":9223372036854775807,"
	    "\"claimed_at\":9223372036854775807}", NOW, 0 },
	{ "{\"expires_in\":\"9223372036854775807\",\"claimed_at\":1}", NOW, 0 },
	{ "{\"expires_in\":1e300,\"claimed_at\":1e300}", LLONG_MAX, 0 },
	{ "{\"expires_in\":9223372036854775807,\"claimed_at\":1}", LLONG_MAX,
	    1 },
	/* The ordinary answers are unchanged: 15 minutes before expiry. */
	{ "{\"expires_in\":3600,\"claimed_at\":1800000000}", NOW, 0 },
	{ "{\"expires_in\":3600,\"claimed_at\":1799997300}", NOW, 1 },
	{ "{\"expires_in\":3600,\"claimed_at\":1799997301}", NOW, 0 },
	/* Half the lifetime when that is shorter. */
	{ "{\"expires_in\":60,\"claimed_at\":1799999970}", NOW, 1 },
	{ "{\"expires_in\":60,\"claimed_at\":1799999971}", NOW, 0 },
	/* Claimed in the future (clock skew): not due. */
	{ "{\"expires_in\":3600,\"claimed_at\":1800000010}", NOW, 0 },
	/* Says nothing of its expiry. */
	{ "{\"expires_in\":0,\"claimed_at\":1}", NOW, 0 },
	{ "{\"expires_in\":-5,\"claimed_at\":1}", NOW, 0 },
	{ "{\"claimed_at\":1}", NOW, 0 },
	{ "{\"expires_in\":3600,\"claimed_at\":-9223372036854775807}", NOW, 0 },
};

START_TEST(test_oauth2_due)
{
	json_object	*v;

	ck_assert_ptr_nonnull(v = json_tokener_parse(due_cases[_i].value));
	ck_assert_msg(oauth2_due(v, due_cases[_i].now) == due_cases[_i].want,
	    "%s at %lld: want %d", due_cases[_i].value, due_cases[_i].now,
	    due_cases[_i].want);
	json_object_put(v);
}
END_TEST

static Suite *
fuzz_suite(void)
{
	Suite	*s = suite_create("fuzz");
	TCase	*tc = tcase_create("findings");

	tcase_add_loop_test(tc, test_oauth2_due, 0, NELEM(due_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(fuzz_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
