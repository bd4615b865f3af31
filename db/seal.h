/*
 * Sealing values at rest (DESIGN.md section 5): AES-256-GCM under a key
 * ring, a random 96-bit IV per value, a 128-bit tag, and the connection
 * id as additional authenticated data, so a value copied to another row
 * does not open.  Fields travel as standard base64; PostgreSQL assembles
 * and takes apart the stored {"v":1,"kid","iv","ct","tag"}.
 */
#ifndef APCONN_SEAL_H
#define APCONN_SEAL_H

#include <stddef.h>

#define KEYRING_MAX	16
#define KID_MAX		32
#define SEAL_PT_MAX	(256 * 1024)

struct keyring {
	size_t		 n;
	struct {
		char		 kid[KID_MAX + 1];
		unsigned char	 key[32];
		unsigned long long sealed;	/* by this process */
	} k[KEYRING_MAX];			/* k[0] is active */
};

/* A sealed value: NUL-terminated base64 fields, owned by the struct. */
struct sealed {
	char	 kid[KID_MAX + 1];
	char	 iv[17];
	char	 tag[25];
	char	*ct;		/* heap; sealed_free() */
};

int		 keyring_parse(struct keyring *, const char *, char *, size_t);
void		 keyring_free(struct keyring *);
const char	*keyring_active_kid(const struct keyring *);
unsigned long long keyring_sealed(const struct keyring *, const char *);
int		 seal(struct keyring *, const char *, const unsigned char *,
		    size_t, struct sealed *);
void		 sealed_free(struct sealed *);
int		 unseal(const struct keyring *, const char *, const char *,
		    const char *, const char *, const char *, unsigned char **,
		    size_t *);
void		 plain_free(unsigned char *, size_t);
int		 b64_decode(const char *, unsigned char *, size_t, size_t *);
int		 unseal_activepieces(const char *, const char *, const char *,
		    const char *, unsigned char **, size_t *);
int		 unseal_workflow_builder(const char *, const char *,
		    unsigned char **, size_t *);

#endif
