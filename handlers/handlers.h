/*
 * Handlers: one file per resource, h_<resource>_<verb>.  Each follows the
 * contract of fcgi/http.h.  dispatch() is the one entry point the worker
 * loop calls.
 */
#ifndef APCONN_HANDLERS_H
#define APCONN_HANDLERS_H

#include <stdint.h>

#include "../fcgi/http.h"
#include "../db/db.h"
#include "../service/service.h"

extern const struct route routes[];

int	dispatch(struct req *, struct resp *);
int	resp_db_error(struct resp *, enum db_rc);
int	resp_fail(struct resp *, const struct fail *);
int	resp_success(struct resp *);
void	core_of(struct core *, struct req *);

/* query.c: strict query parameters */
int	query_one(struct req *, struct resp *, const char *, const char **);
int	query_number(struct req *, struct resp *, const char *, long, long,
	    long *);
int	query_many(struct req *, struct resp *, const char *, const char **,
	    size_t, size_t *);
int	cursor_parse(const char *, char **, char **, const char **);

/* events.c */
int	h_events_list(struct req *, struct resp *);

/* health.c */
int	h_health_get(struct req *, struct resp *);

/* metrics.c: the page, and the counters handlers register */
enum listcache_result {		/* values of metric_listcache */
	LISTCACHE_HIT,		/* answered from the page kept */
	LISTCACHE_DROPPED,	/* taken back: the connections changed */
	LISTCACHE_MISS		/* none kept */
};
extern int	metric_listcache, metric_call_probe;
void	handlers_metrics_init(void);
int	addr_allowed(const char *, const char *);
int	h_metrics_get(struct req *, struct resp *);


#define SESSION_COOKIE	"apconn_session"


/* authn.c */
int		 authorize(struct req *, struct resp *);
int		 origin_allowed(const struct req *);
int		 browser_write_allowed(const struct req *);

/* credmemo.c: the credentials checked, until the database takes them back */
struct credmemo_asked {
	long long	 ms;
	unsigned long	 mark;
};
int		 credmemo_find(struct req *);
void		 credmemo_ask(struct db *, struct credmemo_asked *);
void		 credmemo_keep(struct req *, const struct cred *,
		    const struct credmemo_asked *);
void		 credmemo_notify(void *, const char *, const char *);
void		 credmemo_flush(struct db *, struct arena *);
void		 credmemo_clear(void);

/* worker.c: what the worker loop calls besides dispatch() */
void		 handlers_listen(struct db *);
void		 handlers_after(struct db *, struct arena *);

/* betterauth.c: the original's session cookie (APCONN_AUTH=better-auth) */
int		 betterauth_authenticate(struct req *, struct resp *);

/* auth.c */
int	h_auth_anonymous(struct req *, struct resp *);
int	h_auth_link(struct req *, struct resp *);
int	h_auth_logout(struct req *, struct resp *);
int	h_auth_session(struct req *, struct resp *);
int	h_user_get(struct req *, struct resp *);
/* connections.c */
int	resp_raw(struct resp *, int, const char *);
int	h_conn_list(struct req *, struct resp *);
int	h_conn_upsert(struct req *, struct resp *);
int	h_conn_get(struct req *, struct resp *);
int	h_conn_update(struct req *, struct resp *);
int	h_conn_delete(struct req *, struct resp *);
int	h_conn_refresh(struct req *, struct resp *);

/* integrations.c */
int	h_integ_list(struct req *, struct resp *);
int	h_integ_create(struct req *, struct resp *);
int	h_integ_get(struct req *, struct resp *);
int	h_integ_update(struct req *, struct resp *);
int	h_integ_delete(struct req *, struct resp *);

/* conntest.c */
int	h_conn_test(struct req *, struct resp *);
int	h_conn_test_saved(struct req *, struct resp *);
int	h_integ_test(struct req *, struct resp *);
int	h_integ_test_saved(struct req *, struct resp *);

/* ownerepoch.c: a host's workers told at once of an owner's changes */
int		 owner_epoch_init(void);
uint64_t	 owner_epoch(const char *);
void		 owner_epoch_raise(const char *);

/* memohash.c */
uint64_t	 memo_hash(const char *, char);

/* rescache.c: the executor's resolutions granted, until taken back */
struct resolved {
	const char	*owner, *id, *type, *piece_name;
	const char	*kid, *iv, *ct, *tag;	/* the sealed value */
	const char	*keys;		/* JSON array of the key names */
};
char		*rescache_key(struct arena *, const char *, const char *,
		    const char *);
const struct resolved *rescache_find(struct db *, const char *, long long);
void		 rescache_put(struct db *, unsigned long, uint64_t,
		    const char *, const struct resolved *, const char *);
void		 rescache_notify(void *, const char *, const char *);
void		 rescache_clear(void);

/* listcache.c */
const char	*listcache_find(struct db *, const char *);
void		 listcache_notify(void *, const char *, const char *);
void		 listcache_put(struct db *, unsigned long, uint64_t,
		    const char *, const char *,
		    const char *);
void		 listcache_clear(void);

/* piececache.c */
int	piececache_get(struct db *, const char *, const char **,
	    const char **);
void	piececache_put(const char *, const char *, const char *);
void	piececache_clear(void);
void	piececache_notify(void *, const char *, const char *);

/* pieces.c */
int	h_pieces_list(struct req *, struct resp *);
int	h_pieces_get(struct req *, struct resp *);

/* oauth2.c */
const char *oauth2_redirect_url(struct req *);	/* arena */
int	h_oauth2_start(struct req *, struct resp *);
int	h_oauth2_callback(struct req *, struct resp *);

/* workflows.c */
int	h_wf_list(struct req *, struct resp *);
int	h_wf_create(struct req *, struct resp *);
int	h_wf_get(struct req *, struct resp *);
int	h_wf_patch(struct req *, struct resp *);
int	h_wf_delete(struct req *, struct resp *);
int	h_wf_duplicate(struct req *, struct resp *);
int	h_wf_current_get(struct req *, struct resp *);
int	h_wf_current_save(struct req *, struct resp *);
int	wf_may_read(struct req *, struct resp *, const char *);
int	wf_readable(struct req *, struct resp *, const char *, char **);

/* wfcheck.c, payload.c, resolve.c, template.c */
int	h_wf_validate(struct req *, struct resp *);
int	h_wf_payload(struct req *, struct resp *);
int	h_wf_credentials(struct req *, struct resp *);
size_t	template_external_id(const char *, const char **);

#endif
