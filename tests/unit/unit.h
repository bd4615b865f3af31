/*
 * Shared by the Check programs in tests/unit/: small macros, the runner
 * every main() calls, and the request fixture.  A program that wants the
 * fixture defines UNIT_REQ_FIXTURE before it includes this file.
 */
#ifndef APCONN_UNIT_H
#define APCONN_UNIT_H

#include <stddef.h>

#include <check.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN		_Alignof(max_align_t)
#define RID		"0123456789abcdef0123456789abcdef"

/* Runs one suite, Check forking every test; the exit status of main(). */
static inline int
unit_run(Suite *s)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}

#ifdef UNIT_REQ_FIXTURE
#include <string.h>

#include "fcgi/http.h"

/*
 * Tests that need an arena or a request use ta and tr, set up fresh for
 * each test and released by the teardown even when an assertion fails
 * (so CK_FORK=no under valgrind shows no leaks from failing tests).
 */

static struct arena	ta;
static struct req	tr;

static inline void
fx_setup(void)
{
	arena_init(&ta, ARENA_MAX);
	memset(&tr, 0, sizeof(tr));
	tr.arena = &ta;
}

static inline void
fx_teardown(void)
{
	tr.json = NULL;
	arena_free(&ta);		/* releases tr.json (arena_defer()) */
}

/* Replaces the test arena with an empty one of the given limit. */
static inline void
fx_limit(size_t limit)
{
	arena_free(&ta);
	arena_init(&ta, limit);
}

#endif /* UNIT_REQ_FIXTURE */

#endif /* APCONN_UNIT_H */
