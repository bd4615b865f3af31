/* apconn-admin subcommands: each gets argv from its own name on. */
#ifndef APCONN_ADMIN_H
#define APCONN_ADMIN_H

#include <stddef.h>

#include "../fcgi/cfg.h"

extern struct config admin_cfg;

struct db;
struct keyring;
struct arena;
struct sealed_ref;
struct db	*admin_open_db(void);
const char	*admin_config_path(void);
void		 admin_load_keys(struct keyring *);
int		 admin_seal(struct keyring *, struct arena *, const char *,
		    const unsigned char *, size_t, struct sealed_ref *);

struct sealed_row;
int		 sealed_walk(struct db *, struct arena *, const char *,
		    const char *, long, void (*)(const char *,
		    const struct sealed_row *, void *), void *);
void	admin_usage(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
int	cmd_migrate(int, char **);
int	cmd_user(int, char **);
int	cmd_token(int, char **);
int	cmd_rotate_keys(int, char **);
int	cmd_import_activepieces(int, char **);
int	cmd_oauth_app(int, char **);
int	cmd_check(int, char **);
int	cmd_jobs(int, char **);
int	cmd_events(int, char **);
int	cmd_import_workflow_builder(int, char **);

#endif
