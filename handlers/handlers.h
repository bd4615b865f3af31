/*
 * Handlers: one file per resource, h_<resource>_<verb>.  Each follows the
 * contract of fcgi/http.h.  dispatch() is the one entry point the worker
 * loop calls.
 */
#ifndef APCONN_HANDLERS_H
#define APCONN_HANDLERS_H

#include "../fcgi/http.h"
#include "../db/db.h"

extern const struct route routes[];

int	dispatch(struct req *, struct resp *);
int	resp_db_error(struct resp *, enum db_rc);

/* health.c */
int	h_health_get(struct req *, struct resp *);

#endif
