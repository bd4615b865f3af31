/*
 * The database layer as handlers and tools see it: an opaque per-process
 * connection, result codes, and typed wrappers whose results live in the
 * caller's arena.  No libpq type crosses this header.
 */
#ifndef APCONN_DB_H
#define APCONN_DB_H

#include <stddef.h>

#include "../fcgi/arena.h"

enum db_rc {
	DB_OK,
	DB_NOTFOUND,
	DB_CONFLICT,		/* a constraint said no */
	DB_UNAVAILABLE,		/* no connection: answer 503 */
	DB_ERROR		/* a bug or a server-side failure: 500 */
};

struct db;

struct db	*db_new(const char *);
void		 db_free(struct db *);
int		 db_ensure(struct db *);
void		 db_set_reqid(struct db *, const char *);
enum db_rc	 db_begin(struct db *);
enum db_rc	 db_commit(struct db *);
void		 db_rollback(struct db *);
unsigned long	 db_reconnects(const struct db *);

/* db/health.c */
enum db_rc	 db_ping(struct db *);

/* db/migrate.c */
int		 db_migrate(const char *, int, void (*)(const char *));

#endif
