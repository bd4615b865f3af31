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
#include "utf8.h"

static const char	*log_prog = "apconn";

void
log_init(const char *prog)
{
	log_prog = prog;
}

/*
 * Replaces in s (NUL-terminated) every byte that does not start a valid
 * UTF-8 sequence (utf8_seq()) with '?': a message cut at the buffer's
 * end, or text from a peer, can end or hold half a character, and every
 * log line is UTF-8 text.
 */
static void
log_utf8_scrub(char *s)
{
	unsigned char	*p = (unsigned char *)s, *end = p + strlen(s);
	size_t		 n;

	while (p < end) {
		if ((n = utf8_seq(p, (size_t)(end - p))) == 0)
			*p++ = '?';
		else
			p += n;
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
