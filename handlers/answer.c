/*
 * How handlers answer what went wrong below them (a database failure, a
 * service's struct fail) and what they hand the services (struct core).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"

/* Maps a database failure to its answer (fail_db()); returns the status. */
int
resp_db_error(struct resp *resp, enum db_rc rc)
{
	struct fail	f;

	fail_db(&f, rc);
	return resp_fail(resp, &f);
}

/* Answers a service's failure; returns its status. */
int
resp_fail(struct resp *resp, const struct fail *f)
{
	static char	secs[16];	/* lives until the answer is written */

	if (f->retry_after > 0) {
		snprintf(secs, sizeof(secs), "%d", f->retry_after);
		resp_header(resp, "Retry-After", secs);
	}
	if (f->field != NULL)
		return resp_error_field(resp, f->status, f->code, f->field,
		    "%s", f->msg);
	return resp_error(resp, f->status, f->code, "%s", f->msg);
}

/* The services' context for request r: its arena, database and caller. */
void
core_of(struct core *c, struct req *r)
{
	memset(c, 0, sizeof(*c));
	c->arena = r->arena;
	c->db = r->db;
	c->keys = r->keys;
	c->cfg = r->cfg;
	c->owner = r->who.user_id;
	c->reqid = r->id;
}

/* Answers 200 {"success":true}. */
int
resp_success(struct resp *resp)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "success", json_object_new_boolean(1));
	return resp_json(resp, 200, o);
}
