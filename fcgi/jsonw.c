/*
 * JSON text into an arena buffer.  Every writer appends; the first
 * allocation failure marks the writer failed and later writes do nothing,
 * so callers check once, at jsonw_done().
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "jsonw.h"

/* Starts a writer with room for about hint bytes. */
void
jsonw_init(struct jsonw *w, struct arena *a, size_t hint)
{
	memset(w, 0, sizeof(*w));
	w->arena = a;
	w->cap = hint < 64 ? 64 : hint;
	if ((w->buf = arena_alloc(a, w->cap)) == NULL)
		w->failed = 1;
}

static int
reserve(struct jsonw *w, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (w->failed)
		return -1;
	if (w->len + n + 1 <= w->cap)
		return 0;
	for (ncap = w->cap * 2; ncap < w->len + n + 1; ncap *= 2)
		continue;
	if ((nb = arena_alloc(w->arena, ncap)) == NULL) {
		w->failed = 1;
		return -1;
	}
	memcpy(nb, w->buf, w->len);
	w->buf = nb;
	w->cap = ncap;
	return 0;
}

/* Appends n bytes of JSON text as they are. */
void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (reserve(w, n) == -1)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Appends a literal piece of JSON text ("{", "\"key\":", "null"...). */
void
jsonw_lit(struct jsonw *w, const char *s)
{
	jsonw_raw(w, s, strlen(s));
}

/* Appends s as a JSON string (s is UTF-8 text from the database). */
void
jsonw_str(struct jsonw *w, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			*o;

	if (reserve(w, strlen(s) * 6 + 2) == -1)
		return;
	o = w->buf + w->len;
	*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			*o++ = '\\';
			switch (*p) {
			case '\n': *o++ = 'n'; break;
			case '\r': *o++ = 'r'; break;
			case '\t': *o++ = 't'; break;
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			default:
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[*p >> 4];
				*o++ = hex[*p & 15];
			}
		} else
			*o++ = (char)*p;
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

void
jsonw_str_or_null(struct jsonw *w, const char *s)
{
	if (s == NULL)
		jsonw_lit(w, "null");
	else
		jsonw_str(w, s);
}

/* Writes v (0 <= v < 10^n) as n decimal digits at p; returns the end. */
static char *
digits(char *p, int v, int n)
{
	int	i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/*
 * Appends microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ",
 * milliseconds truncated (as PostgreSQL's to_char .MS).
 * A year outside 0-9999 is null.
 */
void
jsonw_iso_micros(struct jsonw *w, long long us)
{
	struct tm	tm;
	time_t		t;
	long long	s = us / 1000000, r = us % 1000000;
	char		buf[40], *p;

	if (r < 0) {
		r += 1000000;
		s--;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL) {
		jsonw_lit(w, "null");
		return;
	}
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		jsonw_lit(w, "null");
		return;
	}
	/* "YYYY-MM-DDTHH:MM:SS.mmmZ", without printf: lists write many. */
	p = buf;
	*p++ = '"';
	p = digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = digits(p, (int)(r / 1000), 3);
	*p++ = 'Z';
	*p++ = '"';
	jsonw_raw(w, buf, (size_t)(p - buf));
}

/*
 * Appends the JSON text s (valid JSON, such as a jsonb column's text) with
 * the whitespace between its tokens dropped, so that text PostgreSQL wrote
 * reads like the rest of an answer.
 */
void
jsonw_json(struct jsonw *w, const char *s)
{
	const char	*p;
	char		*o;
	int		 instr = 0, esc = 0;

	if (reserve(w, strlen(s)) == -1)
		return;
	o = w->buf + w->len;
	for (p = s; *p != '\0'; p++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (*p == '\\')
				esc = 1;
			else if (*p == '"')
				instr = 0;
		} else if (*p == '"')
			instr = 1;
		else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		*o++ = *p;
	}
	w->len = (size_t)(o - w->buf);
}

/* The NUL-terminated text (arena), or NULL when a write failed. */
char *
jsonw_done(struct jsonw *w)
{
	if (reserve(w, 0) == -1)
		return NULL;
	w->buf[w->len] = '\0';
	return w->buf;
}
