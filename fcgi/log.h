/*
 * Logging to stderr, one line per event.  Client-supplied bytes pass
 * through log_clean() first.  Includes nothing of ours.
 */
#ifndef APCONN_LOG_H
#define APCONN_LOG_H

#include <stddef.h>

void	log_init(const char *);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_clean(char *, size_t, const char *);

#endif
