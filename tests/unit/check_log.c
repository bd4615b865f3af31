/*
 * Log sanitising (fcgi/log.c): log_clean() escapes or replaces every byte
 * that could forge or garble a log line, and stays within its buffer.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/*
 * log_warnx() writes UTF-8 text: a character cut by the message buffer's
 * end, and invalid sequences in the message, become '?'.
 */
static void
warnx_line(char *out, size_t outsz, const char *arg)
{
	FILE	*f = tmpfile();
	int	 saved = dup(STDERR_FILENO);
	size_t	 n;

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	log_warnx("%s", arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

START_TEST(test_log_utf8)
{
	char	msg[1100], line[2048], *p;

	memset(msg, 'a', 1022);
	strcpy(msg + 1022, "\xc3\xa9" "b");	/* U+00E9 across byte 1023 */
	warnx_line(line, sizeof(line), msg);
	ck_assert_uint_gt(strlen(line), 1024);
	ck_assert_str_eq(line + strlen(line) - 3, "a?\n");
	for (p = line; *p != '\0'; p++)
		ck_assert_int_lt((unsigned char)*p, 0x80);

	/* Valid 2-, 3- and 4-byte characters, then an overlong form, a
	 * surrogate, a byte that starts nothing and a cut sequence. */
	warnx_line(line, sizeof(line), "x \xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80 \xc0\xaf \xed\xa0\x80 \xff \xe2\x82 y");
	p = strstr(line, " warn x ");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, " warn x \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "?? ??? ? ?? y\n");
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
	tcase_add_test(tc, test_log_utf8);
	tcase_add_loop_test(tc, test_log_clean_bytes, 0, 255);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(log_suite());
}
