/*
 * Building responses (fcgi/response.c): the JSON error body, object and
 * raw bodies, headers, status texts and the CGI header block.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "fcgi/http.h"
#include "unit.h"

/* The response under test; the teardown releases its body. */
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

int
main(void)
{
	return unit_run(response_suite());
}
