/*
 * A strict RFC 8259 validator run before json-c, which is more lenient
 * than its flags promise (it takes NaN, Infinity, "1.", single-quoted
 * keys, raw control characters and some invalid UTF-8).  It also bounds
 * nesting and the number of values, so oversized documents are refused
 * before json-c builds anything.
 */
#include "config.h"

#include <stddef.h>

#include "http.h"
#include "utf8.h"

struct jv {
	const unsigned char	*p, *end;
	int			 depth, maxdepth;
	size_t			 nodes, maxnodes;
	const char		*why;
};

static void
ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' ||
	    *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int
lit(struct jv *v, const char *s)
{
	for (; *s != '\0'; s++, v->p++)
		if (v->p >= v->end || *v->p != (unsigned char)*s)
			return -1;
	return 0;
}

static int
digits(struct jv *v)
{
	const unsigned char	*s = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s ? 0 : -1;
}

static int
number(struct jv *v)
{
	if (v->p < v->end && *v->p == '-')
		v->p++;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (v->p >= v->end || *v->p < '1' || *v->p > '9' ||
	    digits(v) == -1)
		return -1;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (digits(v) == -1)
			return -1;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (digits(v) == -1)
			return -1;
	}
	return 0;
}

static int
hex4(struct jv *v, unsigned int *cp)
{
	int	i, c;

	*cp = 0;
	for (i = 0; i < 4; i++, v->p++) {
		if (v->p >= v->end)
			return -1;
		c = *v->p;
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		*cp = *cp << 4 | (unsigned int)c;
	}
	return 0;
}

/* One UTF-8 sequence at v->p (utf8_seq()): -1 when there is none. */
static int
utf8(struct jv *v)
{
	size_t	n = utf8_seq(v->p, (size_t)(v->end - v->p));

	if (n == 0)
		return -1;
	v->p += n;
	return 0;
}

static int
string(struct jv *v)
{
	unsigned int	cp, lo;

	v->p++;				/* the opening quote */
	while (v->p < v->end) {
		if (*v->p == '"') {
			v->p++;
			return 0;
		}
		if (*v->p < 0x20)
			return -1;
		if (*v->p != '\\') {
			if (utf8(v) == -1) {
				v->why = "request body is not valid UTF-8";
				return -1;
			}
			continue;
		}
		if (++v->p >= v->end)
			return -1;
		switch (*v->p++) {
		case '"': case '\\': case '/': case 'b':
		case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (hex4(v, &cp) == -1)
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (v->end - v->p < 6 || v->p[0] != '\\' ||
				    v->p[1] != 'u')
					return -1;
				v->p += 2;
				if (hex4(v, &lo) == -1 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
			}
			if (cp == 0)
				return -1;	/* NUL: C strings end there */
			break;
		default:
			return -1;
		}
	}
	return -1;
}

static int value(struct jv *);

static int
container(struct jv *v, int object)
{
	const unsigned char	 close = object ? '}' : ']';

	if (++v->depth > v->maxdepth) {
		v->why = "request body is nested too deeply";
		return -1;
	}
	v->p++;
	ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		v->depth--;
		return 0;
	}
	for (;;) {
		if (object) {
			if (v->p >= v->end || *v->p != '"' || string(v) == -1)
				return -1;
			ws(v);
			if (v->p >= v->end || *v->p++ != ':')
				return -1;
		}
		if (value(v) == -1)
			return -1;
		if (v->p >= v->end)
			return -1;
		if (*v->p == ',') {
			v->p++;
			ws(v);
			continue;
		}
		if (*v->p++ != close)
			return -1;
		v->depth--;
		return 0;
	}
}

static int
value(struct jv *v)
{
	int	rc;

	if (++v->nodes > v->maxnodes) {
		v->why = "request body has too many values";
		return -1;
	}
	ws(v);
	if (v->p >= v->end)
		return -1;
	switch (*v->p) {
	case '{':
		rc = container(v, 1);
		break;
	case '[':
		rc = container(v, 0);
		break;
	case '"':
		rc = string(v);
		break;
	case 't':
		rc = lit(v, "true");
		break;
	case 'f':
		rc = lit(v, "false");
		break;
	case 'n':
		rc = lit(v, "null");
		break;
	default:
		rc = number(v);
		break;
	}
	ws(v);
	return rc;
}

/*
 * Returns 0 when s[0..len) is exactly one JSON value, nested at most
 * maxdepth and holding at most maxnodes values; else -1 with *why set to
 * a message that quotes nothing of the input.
 */
int
json_validate(const char *s, size_t len, int maxdepth, size_t maxnodes,
    const char **why)
{
	struct jv	v;

	v.p = (const unsigned char *)s;
	v.end = v.p + len;
	v.depth = 0;
	v.maxdepth = maxdepth;
	v.nodes = 0;
	v.maxnodes = maxnodes;
	v.why = NULL;
	if (value(&v) == -1 || v.p != v.end) {
		if (v.why == NULL && v.p >= v.end && len > 0)
			v.why = "request body is truncated JSON";
		*why = v.why ? v.why : "request body must be JSON";
		return -1;
	}
	return 0;
}
