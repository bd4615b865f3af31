/*
 * Configuration: the environment of DESIGN.md section 3, optionally
 * mirrored by a "KEY = value" file; the environment wins.
 */
#ifndef APCONN_CFG_H
#define APCONN_CFG_H

#include <stddef.h>

struct config {
	char	*database_url;		/* libpq conninfo or URL, "" = PG* */
	char	*keys;			/* APCONN_KEYS key ring */
	char	*public_url;		/* APCONN_PUBLIC_URL */
	char	*app_url;		/* APCONN_APP_URL */
	char	*pieces_url;		/* upstream pieces API base */
	char	*pieces_api_key;
	char	*ap_encryption_key;
	char	*integration_encryption_key;
	char	*outbound_allow;	/* APCONN_OUTBOUND_ALLOW */
	char	*metrics_allow;		/* APCONN_METRICS_ALLOW */
	char	*host_name;		/* APCONN_HOST_NAME, "" = gethostname */
	char	*auth;			/* APCONN_AUTH: apconn, better-auth */
	char	*better_auth_secret;	/* BETTER_AUTH_SECRET */
	char	*better_auth_db;	/* APCONN_BETTER_AUTH_DB, read only */
	int	 session_days;		/* APCONN_SESSION_DAYS */
	int	 access_log;		/* APCONN_ACCESS_LOG */
	int	 sync_interval;		/* APCONN_SYNC_INTERVAL, 0 = off */
	int	 refresh_interval;	/* APCONN_REFRESH_INTERVAL, 0 = off */
	int	 event_delivery;	/* APCONN_EVENT_DELIVERY: the job
					   process publishes and delivers
					   connection events */
	int	 event_retry_max;	/* APCONN_EVENT_RETRY_MAX: seconds
					   between a webhook's retries, at
					   most */
	int	 event_retry_for;	/* APCONN_EVENT_RETRY_FOR: seconds
					   a delivery is retried */
};

int	 cfg_load(struct config *, const char *, char *, size_t);
const char *cfg_default_path(void);
void	 cfg_free(struct config *);
int	 cfg_is_secret(const char *);
void	 cfg_dump(const struct config *, void (*)(const char *, const char *));

#endif
