/*
 * Internal to db/: the connection structure, the statement table and the
 * one execution path.  Only the db/ sources include this (and so libpq).
 */
#ifndef APCONN_DBI_H
#define APCONN_DBI_H

#include <libpq-fe.h>

#include "db.h"

enum stmt {
#define STMT(e, n, p) STMT_##e,
#include "stmts.def"
#undef STMT
	STMT__MAX
};

struct stmtdef {
	const char	*name;
	const char	*sql;
	int		 nparams;
};

extern const struct stmtdef stmts[STMT__MAX];

enum db_rc	 db_exec(struct db *, PGresult **, enum stmt,
		    const char *const *);
enum db_rc	 db_exec_format(struct db *, PGresult **, enum stmt,
		    const char *const *, int);
enum db_rc	 db_exec_one(struct db *, PGresult **, enum stmt,
		    const char *const *);
enum db_rc	 db_exec_text(struct db *, struct arena *, enum stmt,
		    const char *const *, char **);
enum db_rc	 db_exec_json(struct db *, struct arena *, enum stmt,
		    const char *const *, char **);
char		*db_copy(struct arena *, const PGresult *, int, int);
char		*db_copy_json(struct arena *, const PGresult *, int, int);
PGconn		*db_connect_raw(const char *, char *, size_t);

#endif
