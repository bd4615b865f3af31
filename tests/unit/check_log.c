/*
 * Log sanitising (fcgi/log.c): log_clean() escapes or replaces every byte
 * that could forge or garble a log line, and stays within its buffer.
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "fcgi/log.h"
#include "unit.h"

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

int
main(void)
{
	return unit_run(log_suite());
}
