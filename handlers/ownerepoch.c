/*
 * What a worker changed, told at once to the other workers of its host:
 * a counter per owner (hashed into OWNER_EPOCH_SLOTS, shared before the
 * fork), raised after every request that may change the owner's
 * connections or workflows and before it is answered.  A page or a
 * resolution kept by any worker of the host is answered only while its
 * owner's counter is the one read before its query, so a user's next
 * request sees the change its last one made whichever worker takes it,
 * without waiting for the database's notification (which still carries
 * changes from other hosts and from SQL by hand).  Without the shared
 * table (a process started alone by spawn-fcgi) every counter reads 0
 * and only notifications take memory back.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>

#include "handlers.h"

#define OWNER_EPOCH_SLOTS	4096

static uint64_t	*epochs;

/* Maps the table; call in the master before any fork.  -1 on failure. */
int
owner_epoch_init(void)
{
	void	*p;

	if (epochs != NULL)
		return 0;
	p = mmap(NULL, OWNER_EPOCH_SLOTS * sizeof(uint64_t),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	epochs = p;
	return 0;
}

static uint64_t *
slot(const char *owner)
{
	return &epochs[memo_hash(owner, 0) % OWNER_EPOCH_SLOTS];
}

/* The owner's counter now (0 without the table). */
uint64_t
owner_epoch(const char *owner)
{
	if (epochs == NULL || owner == NULL)
		return 0;
	return __atomic_load_n(slot(owner), __ATOMIC_ACQUIRE);
}

/* Raises the owner's counter: what was kept for it is no longer answered. */
void
owner_epoch_raise(const char *owner)
{
	if (epochs != NULL && owner != NULL)
		__atomic_add_fetch(slot(owner), 1, __ATOMIC_RELEASE);
}
