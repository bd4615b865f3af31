/* The statement table, built from stmts.def and the generated sqltext.c. */
#include "config.h"

#include "dbi.h"

#define STMT(e, n, p) extern const char sql_##n[];
#include "stmts.def"
#undef STMT

const struct stmtdef stmts[STMT__MAX] = {
#define STMT(e, n, p) [STMT_##e] = { #n, sql_##n, p },
#include "stmts.def"
#undef STMT
};
