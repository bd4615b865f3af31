/* Random identifiers and bearer tokens (see token.h). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "algs.h"
#include "token.h"

static const char id_alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* Fills id with ID_LEN uniform characters of [0-9a-z]; 0, or -1 if RAND fails. */
int
id_new(char id[ID_LEN + 1])
{
	unsigned char	buf[64];
	size_t		n = 0, i;

	while (n < ID_LEN) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return -1;
		/* 252 = 7 * 36: rejecting larger bytes keeps it uniform. */
		for (i = 0; i < sizeof(buf) && n < ID_LEN; i++)
			if (buf[i] < 252)
				id[n++] = id_alphabet[buf[i] % 36];
	}
	id[ID_LEN] = '\0';
	return 0;
}

/* Lowercase hex of in into out (2 * len + 1 bytes). */
void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	char	*p;

	*out = '\0';
	if (OPENSSL_buf2hexstr_ex(out, 2 * len + 1, NULL, in, (long)len,
	    '\0') != 1)
		return;
	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Padded standard base64 of in into out (outsz bytes); the length or -1. */
int
b64std_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	if (len > INT_MAX / 2 || outsz < (len + 2) / 3 * 4 + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Unpadded base64url of in into out (outsz bytes); returns the length or -1. */
int
b64url_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	unsigned char	chunk[4 * 16 + 1];
	size_t		i, j, n, o = 0, k;

	if (outsz < (len * 4 + 2) / 3 + 1)
		return -1;
	/* In whole groups of 3 bytes, so that only the last is padded. */
	for (i = 0; i < len; i += n) {
		n = len - i < 48 ? len - i : 48;
		k = (size_t)EVP_EncodeBlock(chunk, in + i, (int)n);
		while (k > 0 && chunk[k - 1] == '=')
			k--;
		for (j = 0; j < k; j++)
			out[o++] = chunk[j] == '+' ? '-' : chunk[j] == '/' ?
			    '_' : (char)chunk[j];
	}
	out[o] = '\0';
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return (int)o;
}

static int
sha256(const char *s, size_t len, unsigned char out[HASH_LEN])
{
	unsigned int	n = 0;

	return EVP_Digest(s, len, out, &n, algs_sha256(), NULL) == 1 &&
	    n == HASH_LEN ? 0 : -1;
}

/*
 * Makes a new token of kind: its id, the token text (shown once), and the
 * hex SHA-256 of its secret (what is stored).  Returns 0 or -1.
 */
int
token_new(enum token_kind kind, char id[ID_LEN + 1], char tok[TOKEN_LEN + 1],
    char hashhex[2 * HASH_LEN + 1])
{
	unsigned char	 rnd[32], h[HASH_LEN];
	char		 secret[TOKEN_SECRET_LEN + 1];
	int		 rc = -1;

	if (id_new(id) == -1 || RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	if (b64url_encode(rnd, sizeof(rnd), secret, sizeof(secret)) !=
	    TOKEN_SECRET_LEN)
		goto out;
	if (sha256(secret, TOKEN_SECRET_LEN, h) == -1)
		goto out;
	memcpy(tok, kind == TOKEN_SESSION ? "aps_" : "apk_", 4);
	memcpy(tok + 4, id, ID_LEN);
	tok[4 + ID_LEN] = '_';
	memcpy(tok + 5 + ID_LEN, secret, TOKEN_SECRET_LEN + 1);
	hex_encode(h, HASH_LEN, hashhex);
	rc = 0;
out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

/*
 * Splits a token into its kind and id and hashes its secret.  Returns 0,
 * or -1 when tok is not a well-formed token (nothing is looked up then).
 */
int
token_parse(const char *tok, enum token_kind *kind, char id[ID_LEN + 1],
    unsigned char hash[HASH_LEN])
{
	size_t	i;

	if (strlen(tok) != TOKEN_LEN || tok[3] != '_' || tok[4 + ID_LEN] != '_')
		return -1;
	if (strncmp(tok, "aps", 3) == 0)
		*kind = TOKEN_SESSION;
	else if (strncmp(tok, "apk", 3) == 0)
		*kind = TOKEN_APIKEY;
	else
		return -1;
	for (i = 0; i < ID_LEN; i++)
		if (strchr(id_alphabet, tok[4 + i]) == NULL || tok[4 + i] == '\0')
			return -1;
	for (i = 5 + ID_LEN; i < TOKEN_LEN; i++)
		if (!((tok[i] >= 'A' && tok[i] <= 'Z') ||
		    (tok[i] >= 'a' && tok[i] <= 'z') ||
		    (tok[i] >= '0' && tok[i] <= '9') ||
		    tok[i] == '-' || tok[i] == '_'))
			return -1;
	memcpy(id, tok + 4, ID_LEN);
	id[ID_LEN] = '\0';
	return sha256(tok + 5 + ID_LEN, TOKEN_SECRET_LEN, hash);
}

/*
 * Compares a computed hash with the stored one (hex) in constant time.
 * Returns 1 when equal, 0 otherwise.
 */
int
token_hash_equal(const unsigned char hash[HASH_LEN], const char *storedhex)
{
	unsigned char	stored[HASH_LEN];
	size_t		len;

	if (storedhex == NULL || strlen(storedhex) != 2 * HASH_LEN ||
	    OPENSSL_hexstr2buf_ex(stored, sizeof(stored), &len, storedhex,
	    '\0') != 1 || len != HASH_LEN)
		return 0;
	return CRYPTO_memcmp(hash, stored, HASH_LEN) == 0;
}

/*
 * 1 when s can be a row id: apconn's own ids, or an imported system's (1
 * to 64 characters of [0-9A-Za-z_-]; Activepieces' ids use both cases).
 */
int
id_importable(const char *s)
{
	size_t	n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= 64 || !id_char(s[n]))
			return 0;
	return n > 0;
}

/* 1 when c may stand in an importable id: [0-9A-Za-z_-]. */
int
id_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}
