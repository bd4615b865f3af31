/*
 * The arena (fcgi/arena.c): alignment, the limit, zero-sized and large
 * allocations, strings, reset, free, and the cleanups run at a reset.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "fcgi/arena.h"
#include "fcgi/http.h"
#include "unit.h"

#define ROUNDUP(n)	(((n) + ALIGN - 1) & ~(ALIGN - 1))

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

int
main(void)
{
	return unit_run(arena_suite());
}
