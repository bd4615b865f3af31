/* UTF-8 well-formedness, shared by the JSON validator and the log. */
#include "config.h"

#include "utf8.h"

/*
 * The length (1 to 4) of the UTF-8 sequence at p, within the avail bytes
 * there: shortest form, no surrogates, at most U+10FFFF.  Returns 0 when
 * no valid sequence starts at p (or avail is 0).  A byte below 0x80,
 * NUL included, is a sequence of its own.
 */
size_t
utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned int	cp;
	size_t		n, i;

	if (avail == 0)
		return 0;
	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 1, cp = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 2, cp = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 3, cp = *p & 0x07;
	else
		return 0;
	if (avail <= n)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}
