/*
 * Connection events, delivered to webhook endpoints by the job process
 * (service/events.c).
 */
#ifndef APCONN_EVENTS_H
#define APCONN_EVENTS_H

#include <stddef.h>

struct config;
struct db;
struct keyring;

/* What one run did. */
struct events_tally {
	unsigned long	published, delivered, retried, failed;
};

int	events_run(struct db *, const struct config *, struct keyring *,
	    struct events_tally *);
int	event_sign(const char *, size_t, long long, const char *, char *,
	    size_t);

#endif
