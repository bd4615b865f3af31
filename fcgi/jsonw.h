/*
 * Writing JSON text straight into an arena buffer, for answers built from
 * database columns without a json-c tree.  Includes nothing of ours but
 * the arena.
 */
#ifndef APCONN_JSONW_H
#define APCONN_JSONW_H

#include <stddef.h>

struct arena;

struct jsonw {
	struct arena	*arena;
	char		*buf;
	size_t		 len, cap;
	int		 failed;	/* out of arena: the text is lost */
};

void	 jsonw_init(struct jsonw *, struct arena *, size_t);
void	 jsonw_raw(struct jsonw *, const char *, size_t);
void	 jsonw_lit(struct jsonw *, const char *);
void	 jsonw_str(struct jsonw *, const char *);
void	 jsonw_str_or_null(struct jsonw *, const char *);
void	 jsonw_iso_micros(struct jsonw *, long long);
void	 jsonw_json(struct jsonw *, const char *);
char	*jsonw_done(struct jsonw *);

#endif
