/*
 * The worker: accept FastCGI requests on one listening socket and answer
 * them one at a time until asked to stop.
 */
#ifndef APCONN_SERVE_H
#define APCONN_SERVE_H

#include <signal.h>

struct req;
struct resp;
struct db;
struct config;
struct keyring;
struct arena;

struct worker {
	int			  listen_fd;
	const struct config	 *cfg;
	struct db		 *db;
	struct keyring		 *keys;
	int			(*dispatch)(struct req *, struct resp *);
	void			(*set_reqid)(struct db *, const char *);
	void			(*after)(struct db *, struct arena *);
						/* after each answer, or NULL */
};

void	serve_signals(void);
int	serve(const struct worker *);
extern volatile sig_atomic_t serve_quit;

#endif
