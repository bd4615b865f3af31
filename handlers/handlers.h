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
int	resp_success(struct resp *);

/* health.c */
int	h_health_get(struct req *, struct resp *);



#define SESSION_COOKIE	"apconn_session"

/* authn.c */
int		 authorize(struct req *, struct resp *);
int		 scope_parse(const char *, unsigned int *);
void		 scope_array_literal(unsigned int, char *, size_t);
json_object	*scope_json(unsigned int);

/* auth.c */
int	h_auth_anonymous(struct req *, struct resp *);
int	h_auth_link(struct req *, struct resp *);
int	h_auth_logout(struct req *, struct resp *);
int	h_user_get(struct req *, struct resp *);
#endif
