/*
 * The background job runner, a child of apconn-fcgi's master: the
 * periodic piece sync and the OAuth2 refresh sweep.  Of all the hosts on
 * one database, the runner holding JOB_LOCK_LEADER runs them; each run
 * also takes its job's own lock, which apconn-sync-pieces shares.
 */
#ifndef APCONN_JOBS_H
#define APCONN_JOBS_H

#include <stddef.h>

struct config;
struct db;
struct keyring;

#define JOB_LOCK_PIECE_SYNC	7021827498203715585LL
#define JOB_LOCK_REFRESH	7021827498203715586LL
#define JOB_LOCK_LEADER		7021827498203715587LL	/* held while leading */

enum job_outcome {
	JOB_OK,
	JOB_FAILED,
	JOB_BUSY,		/* another host holds the job's lock */
	JOB_NOT_DUE		/* if_due: its last run is too recent */
};

void	jobs_main(const struct config *) __attribute__((noreturn));
double	job_now(void);
void	job_host(const struct config *, char *, size_t);
int	jobs_run(const char *, struct db *, const struct config *,
	    struct keyring *, const char *, int, char *, size_t);

#endif
