/*
 * Identifiers and bearer tokens.  Ids are 21 characters of [0-9a-z], as
 * the original workflow builder makes them.  A token is
 * "<kind>_<id>_<secret>": kind "aps" (session) or "apk" (API key), the
 * credential's id, and 32 random bytes in unpadded base64url.  Only the
 * SHA-256 of the secret is stored.
 */
#ifndef APCONN_TOKEN_H
#define APCONN_TOKEN_H

#include <stddef.h>

#define ID_LEN		21
#define TOKEN_SECRET_LEN 43
#define TOKEN_LEN	(4 + ID_LEN + 1 + TOKEN_SECRET_LEN)
#define HASH_LEN	32

enum token_kind { TOKEN_SESSION, TOKEN_APIKEY };

int	id_new(char [ID_LEN + 1]);
int	id_importable(const char *);
int	id_char(int);
int	token_new(enum token_kind, char [ID_LEN + 1], char [TOKEN_LEN + 1],
	    char [2 * HASH_LEN + 1]);
int	token_parse(const char *, enum token_kind *, char [ID_LEN + 1],
	    unsigned char [HASH_LEN]);
int	token_hash_equal(const unsigned char [HASH_LEN], const char *);
void	hex_encode(const unsigned char *, size_t, char *);
int	b64url_encode(const unsigned char *, size_t, char *, size_t);
int	b64std_encode(const unsigned char *, size_t, char *, size_t);

#endif
