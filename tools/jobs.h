/*
 * The background job runner, a child of apconn-fcgi's master: the
 * periodic piece sync, one run at a time per database (advisory lock).
 */
#ifndef APCONN_JOBS_H
#define APCONN_JOBS_H

struct config;

#define JOB_LOCK_PIECE_SYNC	7021827498203715585LL

void	jobs_main(const struct config *) __attribute__((noreturn));

#endif
