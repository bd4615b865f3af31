/*
 * The piece sync, shared by apconn-sync-pieces and the server's
 * background job: read the upstream list, fetch each new or changed
 * name@version in full, and upsert it in its own statement.  From a
 * snapshot (a file or directory of per-piece answers, as
 * contrib/record-catalogue.sh records) it takes each piece as both the
 * list's entry and the fetched answer, on the same path.
 */
#ifndef APCONN_PIECESYNC_H
#define APCONN_PIECESYNC_H

struct db;

struct sync_opts {
	const char	*base;		/* API base, version included */
	const char	*from;		/* a snapshot instead of base, or NULL */
	const char	*api_key;	/* sent as "api-key", or NULL */
	long		 limit;		/* cap on the list */
	const char	*only;		/* comma-separated names, or NULL */
	int		 dry;
	/* Called as the list is worked through: done of total, seconds. */
	void		(*progress)(unsigned long, unsigned long, double);
};

struct sync_result {
	unsigned long	 listed;
	unsigned long	 inserted;
	unsigned long	 updated;
	unsigned long	 unchanged;
	unsigned long	 failed;
	double		 elapsed;
	char		 missing[256];	/* --only names the list lacks */
};

int	piece_sync(struct db *, const struct sync_opts *, struct sync_result *,
	    void (*)(const char *));

#endif
