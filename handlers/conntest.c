/*
 * Testing credentials: POST /api/app-connections/test (an unsaved value)
 * and POST /api/app-connections/{id}/test (a saved one, whose status then
 * becomes ACTIVE or ERROR).  A failed test is a 200 with status "error",
 * as the original client expects; 4xx is for malformed requests only.
 * When the piece has a probe (piece_auth_probe), one HTTP call is made
 * through fcgi/egress.c, whose rules refuse internal addresses.  The
 * answer's "probed" says whether its verdict came from a call to the
 * service (the probe, an OAuth2 code exchange or token refresh) or from
 * the format check alone, so that a client never calls a value that was
 * only well-formed "tested".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/log.h"
#include "../fcgi/egress.h"
#include "../db/token.h"
#include "handlers.h"

#define PROBE_MAX	2048

/*
 * The answer: {"status", "message", "probed"}; probed is true when the
 * verdict rests on a call to the service made by this test (whatever it
 * answered), false when no call went out.
 */
static int
test_answer(struct resp *resp, int ok, const char *msg, int probed)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "status",
	    json_object_new_string(ok ? "success" : "error"));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "probed", json_object_new_boolean(probed));
	return resp_json(resp, 200, o);
}

/*
 * Runs the piece's probe for value.  Returns 1 when the service accepted
 * the credential, 0 when it did not (msg says why, for the user), or -1
 * when the piece has no probe.  Secrets never reach msg or the log.
 */
static int
run_probe(struct req *r, const char *piece, const char *type,
    json_object *value, char *msg, size_t msgsz)
{
	struct probe		 p;
	struct egress_req	 oreq;
	struct egress_resp	 oresp;
	json_object		*hdrs;
	const char		*hv[17];
	char			 url[PROBE_MAX], hbuf[16][PROBE_MAX + 80];
	char			 detail[256];
	enum egress_rc	 orc;
	enum db_rc		 rc;
	size_t			 n = 0, i;
	int			 ok = 0;

	rc = db_probe_get(r->db, r->arena, piece, type, &p);
	if (rc == DB_NOTFOUND)
		return -1;
	if (rc != DB_OK) {
		snprintf(msg, msgsz, "The credential could not be tested now");
		return 0;
	}
	if (probe_expand(p.url, value, 1, url, sizeof(url)) == -1) {
		snprintf(msg, msgsz, "The credential lacks a field the test "
		    "needs");
		return 0;
	}
	if ((hdrs = json_tokener_parse(p.headers)) != NULL &&
	    json_object_is_type(hdrs, json_type_object)) {
		json_object_object_foreach(hdrs, k, v) {
			char	line[PROBE_MAX];

			if (n == 16 || !json_object_is_type(v,
			    json_type_string))
				continue;
			if (probe_expand(json_object_get_string(v), value, 0,
			    line, sizeof(line)) == -1 ||
			    strpbrk(k, "\r\n:") != NULL) {
				snprintf(msg, msgsz, "The credential lacks a "
				    "field the test needs");
				OPENSSL_cleanse(line, sizeof(line));
				goto out;
			}
			if ((size_t)snprintf(hbuf[n], sizeof(hbuf[n]), "%.*s: %s",
			    64, k, line) >= sizeof(hbuf[n])) {
				OPENSSL_cleanse(line, sizeof(line));
				continue;
			}
			OPENSSL_cleanse(line, sizeof(line));
			hv[n] = hbuf[n];
			n++;
		}
	}
	hv[n] = NULL;
	memset(&oreq, 0, sizeof(oreq));
	oreq.method = p.method;
	oreq.url = url;
	oreq.headers = hv;
	oreq.connect_timeout_ms = 3000;
	oreq.timeout_ms = 8000;
	oreq.max_body = 64 * 1024;
	oreq.body = NULL;
	oreq.kind = metric_call_probe;
	memset(&oresp, 0, sizeof(oresp));
	orc = egress_perform(&oreq, &oresp, detail, sizeof(detail));
	if (orc != EG_OK) {
		log_warnx("%s probe %s/%s: %s: %s", r->id, piece, type,
		    egress_rc_str(orc), detail);
		snprintf(msg, msgsz, orc == EG_TIMEOUT ? "The service did "
		    "not answer in time" : "The service could not be reached");
	} else if (oresp.status == p.expected_status) {
		snprintf(msg, msgsz, "Connection successful");
		ok = 1;
	} else
		snprintf(msg, msgsz, "The service rejected the credential "
		    "(HTTP %ld)", oresp.status);
	egress_resp_free(&oresp);
out:
	json_object_put(hdrs);
	for (i = 0; i < n; i++)
		OPENSSL_cleanse(hbuf[i], sizeof(hbuf[i]));
	OPENSSL_cleanse(url, sizeof(url));
	return ok;
}

/*
 * Tests value (of type, for piece): validation, then the probe.  Answers
 * in resp; *ok says whether it passed, msg why not.
 */
static int
test_value(struct req *r, struct resp *resp, const char *piece,
    const char *type, json_object *value, int *ok, char *msg, size_t msgsz)
{
	struct core	 c;
	struct fail	 f;
	char		*found;
	unsigned long	 sent;
	int		 legacy = 0, pr;

	*ok = 0;
	core_of(&c, r);
	if (strcmp(type, "NO_AUTH") != 0 && conn_check_value(&c, &f, piece,
	    NULL, type, value, &legacy, &found) == -1) {
		if (f.status != 400)
			return resp_fail(resp, &f);
		/* A validation failure is the test's answer, not an error. */
		snprintf(msg, msgsz, "%s", f.msg);
		return test_answer(resp, 0, msg, 0);
	}
	sent = egress_sent();
	pr = run_probe(r, piece, type, value, msg, msgsz);
	if (pr == -1)
		snprintf(msg, msgsz, "Credential format looks valid");
	*ok = pr != 0;
	return test_answer(resp, *ok, msg, egress_sent() != sent);
}

/* POST /api/app-connections/test: the upsert body, not saved. */
int
h_conn_test(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	json_object	*t, *p, *v, *got;
	char		 msg[300];
	unsigned long	 sent;
	int		 ok;

	if (!json_object_object_get_ex(r->json, "type", &t) ||
	    !json_object_is_type(t, json_type_string) ||
	    !json_object_object_get_ex(r->json, "pieceName", &p) ||
	    !json_object_is_type(p, json_type_string) ||
	    !json_object_object_get_ex(r->json, "value", &v) ||
	    !json_object_is_type(v, json_type_object))
		return resp_error(resp, 400, "invalid_request",
		    "type, pieceName and value are required");
	if (strcmp(json_object_get_string(t), "OAUTH2") == 0 &&
	    json_object_object_get_ex(v, "code", NULL)) {
		/* As the original: the test performs the exchange. */
		core_of(&c, r);
		sent = egress_sent();
		if (oauth2_exchange(&c, &f, piece_short_name(
		    json_object_get_string(p)), NULL, v, &got) == 0)
			return test_answer(resp, 1, "Connection successful", 1);
		if (f.status == 400 || f.status == 404)
			return test_answer(resp, 0, f.msg,
			    egress_sent() != sent);
		return resp_fail(resp, &f);
	}
	if (!conn_type_valid(json_object_get_string(t)))
		return test_answer(resp, 0, "Unknown connection type", 0);
	return test_value(r, resp, piece_short_name(json_object_get_string(p)),
	    json_object_get_string(t), v, &ok, msg, sizeof(msg));
}

/*
 * POST /api/app-connections/{id}/test: sets ACTIVE or ERROR.  An OAuth2
 * connection is tested as it would be used: a token due is refreshed
 * first; a refresh that failed without the provider revoking anything
 * leaves the status as it is.
 */
int
h_conn_test_saved(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	struct conn_row	 row;
	struct fresh	 fr;
	json_object	*value;
	char		 msg[200], *json;
	unsigned long	 sent;
	enum db_rc	 rc;
	int		 st, ok;

	core_of(&c, r);
	if (conn_open(&c, &f, r->param[0], &row, &value) == -1)
		return resp_fail(resp, &f);
	if (value != NULL && strcmp(row.type, "OAUTH2") == 0) {
		/* A refresh the provider refused is the verdict too. */
		sent = egress_sent();
		if (conn_fresh(&c, &f, r->param[0], &fr) == -1) {
			if (f.status == 409 ||
			    strcmp(f.code, "refresh_failed") == 0)
				return test_answer(resp, 0, f.msg,
				    egress_sent() != sent);
			return resp_fail(resp, &f);
		}
		value = fr.value;
	}
	if (value == NULL) {
		ok = 0;
		snprintf(msg, sizeof(msg), "The stored credential cannot be "
		    "read");
		st = test_answer(resp, 0, msg, 0);
	} else
		st = test_value(r, resp, row.piece_name, row.type, value, &ok,
		    msg, sizeof(msg));
	if (st != 200)
		return st;
	rc = db_conn_set_status(r->db, r->arena, r->param[0], r->who.user_id,
	    ok ? "ACTIVE" : "ERROR", ok ? NULL : msg, &json);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return resp_db_error(resp, rc);
	return st;
}

/* POST /api/integrations/test {type, config}: the legacy test. */
int
h_integ_test(struct req *r, struct resp *resp)
{
	json_object	*t, *cfg, *value;
	char		 msg[300];
	int		 ok, st;

	if (!json_object_object_get_ex(r->json, "type", &t) ||
	    !json_object_is_type(t, json_type_string) ||
	    json_object_get_string_len(t) == 0 ||
	    !json_object_object_get_ex(r->json, "config", &cfg) ||
	    !json_object_is_type(cfg, json_type_object))
		return resp_error(resp, 400, "invalid_request",
		    "Type and config are required");
	/* value shares cfg with the body, whose arena wipes it. */
	value = json_object_new_object();
	json_object_object_add(value, "type",
	    json_object_new_string("CUSTOM_AUTH"));
	json_object_object_add(value, "props", json_object_get(cfg));
	st = test_value(r, resp, piece_short_name(json_object_get_string(t)),
	    "CUSTOM_AUTH", value, &ok, msg, sizeof(msg));
	json_object_put(value);
	return st;
}

/* POST /api/integrations/{id}/test */
int
h_integ_test_saved(struct req *r, struct resp *resp)
{
	int	st;

	st = h_conn_test_saved(r, resp);
	if (st == 404)
		return resp_error(resp, 404, "not_found",
		    "Integration not found");
	return st;
}
