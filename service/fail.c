/*
 * The one failure convention of service/: a service fills a struct fail and
 * returns -1; a handler answers it (resp_fail()), a job logs it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "../fcgi/metrics.h"
#include "service.h"

int
fail_set(struct fail *f, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	f->status = status;
	f->code = code;
	f->field = field;
	f->retry_after = 0;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A database failure, as every route answers it. */
int
fail_db(struct fail *f, enum db_rc rc)
{
	switch (rc) {
	case DB_UNAVAILABLE:
		metrics_db(MD_UNAVAILABLE);
		return fail_set(f, 503, "database_unavailable", NULL,
		    "Database unavailable");
	case DB_READONLY:
		return fail_set(f, 503, "database_read_only", NULL, "The "
		    "database accepts no changes at the moment (read-only or "
		    "out of disk space); nothing was changed");
	case DB_NOTFOUND:
		return fail_set(f, 404, "not_found", NULL, "Not found");
	case DB_CONFLICT:
		return fail_set(f, 409, "conflict", NULL, "Conflict");
	default:
		return fail_internal(f);
	}
}

int
fail_internal(struct fail *f)
{
	return fail_set(f, 500, "internal", NULL, "Internal error");
}

/* fail_db() for a connection: not found is "Connection not found". */
int
fail_conn_db(struct fail *f, enum db_rc rc)
{
	if (rc == DB_NOTFOUND)
		return fail_set(f, 404, "not_found", NULL,
		    "Connection not found");
	return fail_db(f, rc);
}
