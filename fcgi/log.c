/*
 * stderr logging in the shape of tmux's log.c: a timestamp, the program
 * and pid, the message.  fatal() and fatalx() are for start-up only.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "apconn";

void
log_init(const char *prog)
{
	log_prog = prog;
}

/*
 * Replaces in s (NUL-terminated) every byte that does not start a valid
 * UTF-8 sequence (shortest form, no surrogate, at most U+10FFFF) with
 * '?': a message cut at the buffer's end, or text from a peer, can end
 * or hold half a character, and every log line is UTF-8 text.
 */
static void
log_utf8_scrub(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	unsigned long	 cp, min;
	size_t		 i, n;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1; min = 0x80; cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2; min = 0x800; cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3; min = 0x10000; cp = *p & 0x07;
		} else {
			*p++ = '?';
			continue;
		}
		/* A continuation byte is never NUL: the loop stops at the end. */
		for (i = 1; i <= n && (p[i] & 0xc0) == 0x80; i++)
			cp = cp << 6 | (p[i] & 0x3f);
		if (i <= n || cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

static void
log_vwrite(const char *level, const char *fmt, va_list ap, int err)
{
	char		 msg[1024], ts[32];
	struct timespec	 now;
	struct tm	 tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_utf8_scrub(msg);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (err)
		fprintf(stderr, "%s.%03ldZ %s[%ld] %s %s: %s\n", ts,
		    now.tv_nsec / 1000000, log_prog, (long)getpid(), level, msg,
		    strerror(err));
	else
		fprintf(stderr, "%s.%03ldZ %s[%ld] %s %s\n", ts,
		    now.tv_nsec / 1000000, log_prog, (long)getpid(), level, msg);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("info", fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	err = errno;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	err = errno;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/*
 * Copies src into dst (of size dstsz, always NUL-terminated), escaping
 * \n, \r, \t and backslash and replacing other non-printable bytes with
 * '?', so a client cannot forge log lines.  Truncates silently.
 */
void
log_clean(char *dst, size_t dstsz, const char *src)
{
	size_t		 i = 0;
	unsigned char	 c;

	if (dstsz == 0)
		return;
	for (; src != NULL && (c = (unsigned char)*src) != '\0'; src++) {
		const char	*esc = NULL;

		switch (c) {
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\\': esc = "\\\\"; break;
		default: break;
		}
		if (esc != NULL) {
			if (i + 2 >= dstsz)
				break;
			dst[i++] = esc[0];
			dst[i++] = esc[1];
		} else {
			if (i + 1 >= dstsz)
				break;
			dst[i++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
		}
	}
	dst[i] = '\0';
}
