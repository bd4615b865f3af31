/*
 * Connection values without I/O: validation against piece auth
 * definitions, redaction of secrets, the flat-config merge, and piece
 * name normalisation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "handlers/handlers.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char pg_auth[] = "{\"type\":\"CUSTOM_AUTH\",\"props\":{"
    "\"host\":{\"type\":\"SHORT_TEXT\",\"required\":true},"
    "\"port\":{\"type\":\"NUMBER\",\"required\":true},"
    "\"password\":{\"type\":\"SECRET_TEXT\",\"required\":true},"
    "\"token\":{\"type\":\"PASSWORD\",\"required\":false},"
    "\"ssl\":{\"type\":\"CHECKBOX\",\"required\":false},"
    "\"mode\":{\"type\":\"STATIC_DROPDOWN\",\"required\":false,"
    "\"options\":{\"options\":[{\"label\":\"R\",\"value\":\"ro\"},"
    "{\"label\":\"W\",\"value\":\"rw\"}]}},"
    "\"tags\":{\"type\":\"STATIC_MULTI_SELECT_DROPDOWN\",\"required\":false,"
    "\"options\":{\"options\":[{\"label\":\"A\",\"value\":\"a\"},"
    "{\"label\":\"B\",\"value\":\"b\"}]}}}}";

static const struct {
	const char	*type;
	const char	*value;
	int		 with_def;	/* validate against pg_auth */
	int		 want;		/* 0 valid, -1 invalid */
	const char	*field;		/* on failure */
	int		 legacy;	/* on success */
} vcases[] = {
	{ "SECRET_TEXT", "{\"secret_text\":\"s\"}", 0, 0, NULL, 0 },
	{ "SECRET_TEXT", "{\"secret_text\":\"\"}", 0, -1, "value.secret_text", 0 },
	{ "SECRET_TEXT", "{\"secret_text\":1}", 0, -1, "value.secret_text", 0 },
	{ "SECRET_TEXT", "{}", 0, -1, "value.secret_text", 0 },
	{ "BASIC_AUTH", "{\"username\":\"u\",\"password\":\"p\"}", 0, 0, NULL, 0 },
	{ "BASIC_AUTH", "{\"username\":\"\",\"password\":\"p\"}", 0, -1, "value.username", 0 },
	{ "BASIC_AUTH", "{\"username\":\"u\"}", 0, -1, "value.password", 0 },
	{ "OAUTH2", "{\"access_token\":\"t\"}", 0, 0, NULL, 0 },
	{ "OAUTH2", "{\"client_id\":\"c\"}", 0, -1, "value.access_token", 0 },
	{ "NO_AUTH", "{}", 0, 0, NULL, 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"apiKey\":\"k\"}}", 0, 0, NULL, 1 },
	{ "CUSTOM_AUTH", "{\"props\":{\"apiKey\":{\"x\":1}}}", 0, -1, "value.props", 0 },
	{ "CUSTOM_AUTH", "{\"props\":[1]}", 0, -1, "value.props", 0 },
	{ "CUSTOM_AUTH", "{}", 1, -1, "value.props", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":5432,"
	    "\"password\":\"p\"}}", 1, 0, NULL, 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":\"5432\","
	    "\"password\":\"p\",\"ssl\":true,\"mode\":\"ro\",\"tags\":[\"a\","
	    "\"b\"]}}", 1, 0, NULL, 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"port\":5432,\"password\":\"p\"}}", 1,
	    -1, "value.props.host", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"\",\"port\":5432,"
	    "\"password\":\"p\"}}", 1, -1, "value.props.host", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":7,\"port\":5432,"
	    "\"password\":\"p\"}}", 1, -1, "value.props.host", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":\"x1\","
	    "\"password\":\"p\"}}", 1, -1, "value.props.port", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":1,"
	    "\"password\":\"p\",\"ssl\":\"true\"}}", 1, -1, "value.props.ssl", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":1,"
	    "\"password\":\"p\",\"mode\":\"admin\"}}", 1, -1,
	    "value.props.mode", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":1,"
	    "\"password\":\"p\",\"tags\":[\"a\",\"z\"]}}", 1, -1,
	    "value.props.tags", 0 },
	{ "CUSTOM_AUTH", "{\"props\":{\"host\":\"h\",\"port\":1,"
	    "\"password\":\"p\",\"tags\":\"a\"}}", 1, -1, "value.props.tags", 0 },
	{ "MAGIC", "{}", 0, -1, "type", 0 },
};

START_TEST(test_validate)
{
	json_object	*value, *def = NULL;
	const char	*field;
	char		 msg[200];
	int		 legacy = -1, rc;

	value = json_tokener_parse(vcases[_i].value);
	ck_assert_ptr_nonnull(value);
	if (vcases[_i].with_def)
		def = json_tokener_parse(pg_auth);
	rc = conn_value_validate(vcases[_i].type, value, def, &legacy, &field,
	    msg, sizeof(msg));
	ck_assert_int_eq(rc, vcases[_i].want);
	if (rc == -1) {
		ck_assert_str_eq(field, vcases[_i].field);
		ck_assert(msg[0] != '\0');
	} else
		ck_assert_int_eq(legacy, vcases[_i].legacy);
	json_object_put(value);
	json_object_put(def);
}
END_TEST

START_TEST(test_auth_find)
{
	json_object	*one, *arr, *e;
	int		 offers;

	one = json_tokener_parse("{\"type\":\"SECRET_TEXT\"}");
	arr = json_tokener_parse("[{\"type\":\"SECRET_TEXT\"},"
	    "{\"type\":\"CUSTOM_AUTH\",\"props\":{}}]");
	ck_assert_ptr_eq(piece_auth_find(one, "SECRET_TEXT", &offers), one);
	ck_assert_int_eq(offers, 1);
	ck_assert_ptr_null(piece_auth_find(one, "OAUTH2", &offers));
	ck_assert_int_eq(offers, 0);
	e = piece_auth_find(arr, "CUSTOM_AUTH", &offers);
	ck_assert_int_eq(offers, 1);
	ck_assert_ptr_eq(e, json_object_array_get_idx(arr, 1));
	ck_assert_ptr_null(piece_auth_find(arr, "BASIC_AUTH", &offers));
	ck_assert_int_eq(offers, 0);
	ck_assert_ptr_null(piece_auth_find(NULL, "NO_AUTH", &offers));
	ck_assert_int_eq(offers, 1);
	ck_assert_ptr_null(piece_auth_find(NULL, "SECRET_TEXT", &offers));
	ck_assert_int_eq(offers, 0);
	json_object_put(one);
	json_object_put(arr);
}
END_TEST

static const struct {
	const char	*value;
	int		 with_def;
	const char	*want;
} rcases[] = {
	{ "{\"type\":\"SECRET_TEXT\",\"secret_text\":\"s\"}", 0,
	    "{\"type\":\"SECRET_TEXT\"}" },
	{ "{\"type\":\"BASIC_AUTH\",\"username\":\"u\",\"password\":\"p\"}", 0,
	    "{\"type\":\"BASIC_AUTH\",\"username\":\"u\"}" },
	{ "{\"type\":\"OAUTH2\",\"access_token\":\"a\",\"refresh_token\":\"r\","
	    "\"client_id\":\"c\",\"client_secret\":\"cs\",\"code\":\"x\","
	    "\"code_challenge\":\"v\",\"data\":{\"access_token\":\"n\"},"
	    "\"scope\":\"s\",\"props\":{\"sub\":\"d\"}}", 0,
	    "{\"type\":\"OAUTH2\",\"client_id\":\"c\",\"scope\":\"s\","
	    "\"props\":{\"sub\":\"d\"}}" },
	{ "{\"type\":\"CUSTOM_AUTH\",\"props\":{\"host\":\"h\",\"password\":"
	    "\"p\",\"token\":\"t\",\"port\":1}}", 1,
	    "{\"type\":\"CUSTOM_AUTH\",\"props\":{\"host\":\"h\",\"port\":1}}" },
	{ "{\"type\":\"CUSTOM_AUTH\",\"props\":{\"apiKey\":\"k\",\"teamId\":"
	    "\"t\"}}", 0, "{\"type\":\"CUSTOM_AUTH\",\"props\":{}}" },
	/* Fail closed: a prop the piece does not declare is left out. */
	{ "{\"type\":\"CUSTOM_AUTH\",\"props\":{\"host\":\"h\",\"api_key\":"
	    "\"sk\",\"other\":\"o\"}}", 1,
	    "{\"type\":\"CUSTOM_AUTH\",\"props\":{\"host\":\"h\"}}" },
};

START_TEST(test_redact)
{
	json_object	*value, *def = NULL, *pub;
	char		*before;

	value = json_tokener_parse(rcases[_i].value);
	before = strdup(json_object_to_json_string_ext(value,
	    JSON_C_TO_STRING_PLAIN));
	if (rcases[_i].with_def)
		def = json_tokener_parse(pg_auth);
	pub = conn_value_public(value, def);
	ck_assert_ptr_nonnull(pub);
	ck_assert_str_eq(json_object_to_json_string_ext(pub,
	    JSON_C_TO_STRING_PLAIN), rcases[_i].want);
	/* The stored value is the caller's: read, never changed. */
	ck_assert_str_eq(json_object_to_json_string_ext(value,
	    JSON_C_TO_STRING_PLAIN), before);
	free(before);
	json_object_put(pub);
	json_object_put(value);
	json_object_put(def);
}
END_TEST

static const struct {
	const char	*type;
	const char	*stored;
	const char	*config;
	int		 want;
	const char	*result;
} mcases[] = {
	{ "CUSTOM_AUTH", "{\"props\":{\"a\":\"1\",\"s\":\"secret\"}}",
	    "{\"a\":\"2\",\"s\":\"\",\"n\":\"new\"}", 0,
	    "{\"props\":{\"a\":\"2\",\"s\":\"secret\",\"n\":\"new\"}}" },
	{ "SECRET_TEXT", "{\"secret_text\":\"old\"}", "{\"secret_text\":\"new\"}",
	    0, "{\"secret_text\":\"new\"}" },
	{ "SECRET_TEXT", "{\"secret_text\":\"old\"}", "{\"apiKey\":\"k\"}", 0,
	    "{\"secret_text\":\"k\"}" },
	{ "SECRET_TEXT", "{\"secret_text\":\"old\"}", "{\"apiKey\":\"\"}", 0,
	    "{\"secret_text\":\"old\"}" },
	{ "BASIC_AUTH", "{\"username\":\"u\",\"password\":\"p\"}",
	    "{\"username\":\"v\"}", 0, "{\"username\":\"v\",\"password\":\"p\"}" },
	{ "OAUTH2", "{\"client_id\":\"c\",\"client_secret\":\"s\","
	    "\"access_token\":\"t\"}", "{\"client_id\":\"d\",\"access_token\":"
	    "\"hijack\"}", 0, "{\"client_id\":\"d\",\"client_secret\":\"s\","
	    "\"access_token\":\"t\"}" },
	{ "CUSTOM_AUTH", "{\"props\":{}}", "{\"a\":[1]}", -1, NULL },
	{ "CUSTOM_AUTH", "{\"props\":{}}", "[1]", -1, NULL },
};

START_TEST(test_apply_config)
{
	json_object	*value, *config, *out;
	char		*before, *cbefore;

	value = json_tokener_parse(mcases[_i].stored);
	config = json_tokener_parse(mcases[_i].config);
	before = strdup(json_object_to_json_string_ext(value,
	    JSON_C_TO_STRING_PLAIN));
	cbefore = strdup(json_object_to_json_string_ext(config,
	    JSON_C_TO_STRING_PLAIN));
	out = conn_value_with_config(value, mcases[_i].type, config);
	ck_assert_int_eq(out != NULL ? 0 : -1, mcases[_i].want);
	if (out != NULL)
		ck_assert_str_eq(json_object_to_json_string_ext(out,
		    JSON_C_TO_STRING_PLAIN), mcases[_i].result);
	/* Both inputs are read, never changed. */
	ck_assert_str_eq(json_object_to_json_string_ext(value,
	    JSON_C_TO_STRING_PLAIN), before);
	ck_assert_str_eq(json_object_to_json_string_ext(config,
	    JSON_C_TO_STRING_PLAIN), cbefore);
	free(before);
	free(cbefore);
	json_object_put(out);
	json_object_put(value);
	json_object_put(config);
}
END_TEST

START_TEST(test_without)
{
	static const char *const drop[] = { "client_secret", "code", NULL };
	json_object	*value, *out;

	value = json_tokener_parse("{\"type\":\"OAUTH2\",\"client_secret\":"
	    "\"s\",\"access_token\":\"t\",\"props\":{\"a\":1},\"code\":"
	    "\"c\"}");
	out = conn_value_without(value, drop);
	ck_assert_str_eq(json_object_to_json_string_ext(out,
	    JSON_C_TO_STRING_PLAIN), "{\"type\":\"OAUTH2\",\"access_token\":"
	    "\"t\",\"props\":{\"a\":1}}");
	/* Deep copies: changing the copy leaves the original alone. */
	json_object_object_add(json_object_object_get(out, "props"), "b",
	    json_object_new_int(2));
	ck_assert_int_eq(json_object_object_length(
	    json_object_object_get(value, "props")), 1);
	ck_assert_int_eq(json_object_object_length(value), 5);
	json_object_put(out);
	json_object_put(value);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(piece_short_name("@activepieces/piece-slack"),
	    "slack");
	ck_assert_str_eq(piece_short_name("slack"), "slack");
	ck_assert_str_eq(piece_short_name("@acme/piece-slack"),
	    "@acme/piece-slack");
	ck_assert_str_eq(piece_short_name("@activepieces/piece-"),
	    "@activepieces/piece-");
	ck_assert_int_eq(conn_type_valid("SECRET_TEXT"), 1);
	ck_assert_int_eq(conn_type_valid("PLACEHOLDER"), 0);
	ck_assert_int_eq(conn_type_valid("secret_text"), 0);
}
END_TEST

START_TEST(test_probe_expand)
{
	json_object	*v;
	char		 out[256];

	v = json_tokener_parse("{\"secret_text\":\"a b/c\",\"username\":\"u\","
	    "\"password\":\"p\",\"props\":{\"host\":\"h\"},\"bad\":\"x\\ny\"}");
	ck_assert_int_eq(probe_expand("https://x/{{secret_text}}?h="
	    "{{props.host}}", v, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "https://x/a%20b%2Fc?h=h");
	ck_assert_int_eq(probe_expand("Bearer {{secret_text}}", v, 0, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "Bearer a b/c");
	ck_assert_int_eq(probe_expand("Basic {{basic}}", v, 0, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "Basic dTpw");
	ck_assert_int_eq(probe_expand("{{missing}}", v, 0, out, sizeof(out)),
	    -1);
	ck_assert_int_eq(probe_expand("{{bad}}", v, 0, out, sizeof(out)), -1);
	ck_assert_int_eq(probe_expand("{{secret_text", v, 0, out, sizeof(out)),
	    -1);
	ck_assert_int_eq(probe_expand("{{secret_text}}", v, 0, out, 4), -1);
	json_object_put(v);
}
END_TEST

/* RFC 7636 Appendix B. */
START_TEST(test_pkce_vector)
{
	char	out[44];

	ck_assert_int_eq(pkce_challenge(
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out), 0);
	ck_assert_str_eq(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

static Suite *
connvalue_suite(void)
{
	Suite	*s = suite_create("connvalue");
	TCase	*tc = tcase_create("connvalue");

	tcase_add_loop_test(tc, test_validate, 0, NELEM(vcases));
	tcase_add_test(tc, test_auth_find);
	tcase_add_loop_test(tc, test_redact, 0, NELEM(rcases));
	tcase_add_loop_test(tc, test_apply_config, 0, NELEM(mcases));
	tcase_add_test(tc, test_without);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_probe_expand);
	tcase_add_test(tc, test_pkce_vector);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(connvalue_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
