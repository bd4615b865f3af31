/*
 * The background job runner, a child of apconn-fcgi's master: the
 * periodic piece sync and the OAuth2 refresh sweep, each one run at a
 * time per database (advisory locks).
 */
#ifndef APCONN_JOBS_H
#define APCONN_JOBS_H

struct config;

#define JOB_LOCK_PIECE_SYNC	7021827498203715585LL
#define JOB_LOCK_REFRESH	7021827498203715586LL

void	jobs_main(const struct config *) __attribute__((noreturn));

#endif
