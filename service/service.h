/*
 * The domain services that handlers, the job process and tools/ share:
 * the connection store, the vault, the OAuth2 token client.  They take a
 * struct core (never an HTTP request or response) and report failure in
 * one struct fail, which only a handler turns into an answer.
 *
 * Ownership: a secret (a value opened from the vault, a token answer, a
 * body holding credentials) belongs to the arena of the request or job
 * step that opened it (secret_own()), which wipes and releases it once,
 * at arena_reset().  Whatever keeps a part of a secret deep-copies that
 * part (secret_copy(), or json_object_deep_copy() into an owned object).
 * No function here wipes or releases an object it did not create.
 */
#ifndef APCONN_SERVICE_H
#define APCONN_SERVICE_H

#include <stddef.h>

#include <json-c/json.h>

#include "../fcgi/arena.h"
#include "../db/db.h"

struct config;
struct keyring;

/* What a service acts with and for (all borrowed from the caller). */
struct core {
	struct arena		*arena;		/* owns what the service opens */
	struct db		*db;
	struct keyring		*keys;		/* NULL: nothing can be opened */
	const struct config	*cfg;
	const char		*owner;		/* the user acted for */
	const char		*reqid;		/* prefixes log lines */
	int			 quiet;		/* the caller logs failures */
};

/*
 * A failure: the HTTP status a handler answers, a snake_case code, the
 * offending field (or NULL), a message for the user (never a secret),
 * and Retry-After in seconds (0: none).
 */
struct fail {
	int		 status;
	const char	*code;
	const char	*field;
	char		 msg[256];
	int		 retry_after;
};

/* Scopes of a credential (req.scopes, route.scopes); a session holds
 * SCOPE_USER. */
enum scope {
	SCOPE_CONN_READ =	1 << 0,		/* connections:read */
	SCOPE_CONN_WRITE =	1 << 1,		/* connections:write */
	SCOPE_CRED_READ =	1 << 2,		/* credentials:read */
	SCOPE_WF_READ =		1 << 3,		/* workflows:read */
	SCOPE_WF_WRITE =	1 << 4,		/* workflows:write */
	SCOPE_EXECUTOR =	1 << 5,		/* executor */
	SCOPE_ADMIN =		1 << 6		/* admin */
};
#define SCOPE_USER	(SCOPE_CONN_READ | SCOPE_CONN_WRITE | \
			 SCOPE_CRED_READ | SCOPE_WF_READ | SCOPE_WF_WRITE)

/* service/scopes.c: the scopes' names. */
int		 scope_parse(const char *, unsigned int *);
void		 scope_array_literal(unsigned int, char *, size_t);
json_object	*scope_json(unsigned int);
const char	*scope_first_missing(unsigned int, unsigned int);

/* service/fail.c: every function returns -1, for "return fail_...(...)". */
int	fail_set(struct fail *, int, const char *, const char *, const char *,
	    ...) __attribute__((format(printf, 5, 6)));
int	fail_db(struct fail *, enum db_rc);
int	fail_conn_db(struct fail *, enum db_rc);
int	fail_internal(struct fail *);

/* service/secret.c: secrets owned by an arena. */
json_object	*secret_own(struct arena *, json_object *);
json_object	*secret_parse(struct arena *, const char *, size_t);
json_object	*secret_copy(struct arena *, json_object *);
json_object	*secret_new_object(struct arena *);

/* service/vault.c: connection values sealed under the key ring. */
int		 vault_seal(struct core *, const char *, json_object *,
		    struct sealed_ref *);
json_object	*vault_open(struct core *, const char *, const char *,
		    const char *, const char *, const char *);
json_object	*vault_open_row(struct core *, const char *,
		    const struct conn_row *);
const char	*vault_open_string(struct core *, const char *,
		    const struct sealed_ref *);

/* service/connvalue.c: values without I/O. */
#define CONN_METADATA_MAX	8192	/* bytes of a connection's metadata */
#define CONN_VALUE_MAX		65536	/* bytes of a value or a config */
int		 json_size_ok(json_object *, size_t);
int		 conn_type_valid(const char *);
const char	*piece_short_name(const char *);
json_object	*piece_auth_find(json_object *, const char *, int *);
int		 conn_value_validate(const char *, json_object *,
		    json_object *, int *, const char **, char *, size_t);
void		 conn_value_field(const char *, const char **);
int		 conn_props_check(json_object *, json_object *, const char **,
		    char *, size_t);
int		 conn_value_props_check(json_object *, json_object *,
		    const char **, char *, size_t);
json_object	*conn_value_public(json_object *, json_object *);
void		 value_copy_member(json_object *, const char *, json_object *,
		    const char *);
json_object	*conn_value_without(json_object *, const char *const []);
extern const char *const conn_value_server_only[];
json_object	*conn_value_key_names(json_object *);
const char	*conn_value_beside(struct arena *, json_object *);
long long	 conn_value_due_at(json_object *);
int		 conn_value_seal(struct core *, const char *, json_object *,
		    struct sealed_ref *);
json_object	*conn_value_with_config(json_object *, const char *,
		    json_object *);
int		 probe_expand(const char *, json_object *, int, char *, size_t);

/* service/pieceauth.c: the catalogue's auth definitions. */
int	piece_auth_lookup(struct core *, struct fail *, const char *,
	    const char *, json_object **, char **);

/* service/connstore.c: the connection store. */
int	conn_check_value(struct core *, struct fail *, const char *,
	    const char *, const char *, json_object *, int *, char **);
int	conn_store(struct core *, struct fail *, struct conn_write *,
	    json_object *, int, char **);
int	conn_upsert(struct core *, struct fail *, json_object *, char **);
int	conn_open(struct core *, struct fail *, const char *,
	    struct conn_row *, json_object **);
int	conn_redact(struct core *, struct fail *, const struct conn_row *,
	    json_object *, json_object **);
int	conn_apply_config(struct core *, struct fail *, const char *,
	    const char *, json_object *, char **);

/* service/metrics.c: the services' counters (fcgi/metrics.h handles). */
enum refresh_outcome {		/* values of metric_refreshes */
	REFRESH_OK,
	REFRESH_INVALID_GRANT,	/* the connection is now ERROR */
	REFRESH_EXPIRED,	/* expired with nothing to renew it with */
	REFRESH_FAILED		/* the provider failed; nothing revoked */
};
enum sync_result_kind {		/* values of metric_sync_pieces */
	SYNC_INSERTED,
	SYNC_UPDATED,
	SYNC_UNCHANGED,
	SYNC_FAILED
};
extern int	metric_refreshes, metric_sync_pieces;
extern int	metric_call_token, metric_call_sync;
extern int	metric_job_sync, metric_job_refresh;
enum delivery_outcome {		/* values of metric_deliveries */
	DELIVERY_DELIVERED,
	DELIVERY_RETRY,		/* failed; tried again later */
	DELIVERY_FAILED		/* given up */
};
extern int	metric_deliveries, metric_oldest_pending, metric_call_webhook;
void		service_metrics_init(void);

/* service/oauth2.c: the OAuth2 token client. */
#define OAUTH2_URL_MAX	8192

/* What conn_fresh() hands out. */
struct fresh {
	json_object	*value;		/* owned by the core's arena */
	int		 refreshed;	/* a new token was obtained */
	int		 stale;		/* the refresh failed; the stored
					   token is still valid */
	char		 reason[256];	/* why the refresh failed */
};

int	oauth2_form_param(char *, size_t, size_t *, const char *,
	    const char *);
int	oauth2_subst(const char *, json_object *, char *, size_t, char *,
	    size_t);
int	pkce_challenge(const char *, char [44]);
int	oauth2_state_hash(const char *, char [65]);
json_object *oauth2_def(struct core *, struct fail *, const char *,
	    const char *);
int	oauth2_exchange(struct core *, struct fail *, const char *,
	    const char *, json_object *, json_object **);
int	oauth2_due(json_object *, long long);
int	conn_fresh(struct core *, struct fail *, const char *,
	    struct fresh *);
int	conn_refresh_now(struct core *, struct fail *, const char *,
	    struct fresh *);

/* service/oauth2server.c: the server-held flow's last step. */
int	oauth2_finish_server(struct core *, struct fail *, const char *,
	    const char *, const char **);

#endif
