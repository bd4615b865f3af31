/*
 * What the worker loop calls besides dispatch(): the notifications the
 * handlers' memory listens to, and the work done after an answer is sent.
 */
#include "config.h"

#include "handlers.h"

/* Asks db's connections for the notifications that take memory back. */
void
handlers_listen(struct db *db)
{
	db_listen(db, "apconn_pieces", piececache_notify, NULL);
	db_listen(db, "apconn_cred", credmemo_notify, NULL);
	db_listen(db, "apconn_conn", listcache_notify, NULL);
	db_listen(db, "apconn_conn", rescache_notify, NULL);
}

/*
 * After an answer, and every second while idle: the notifications that
 * arrived, taken in (not left to pile up in the socket and in libpq's
 * buffer), and the uses of credentials, written in batches.
 */
void
handlers_after(struct db *db, struct arena *a)
{
	(void)db_drain(db);
	credmemo_flush(db, a);
}
