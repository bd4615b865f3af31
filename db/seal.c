/* AES-256-GCM sealing under the key ring (see seal.h). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../fcgi/metrics.h"
#include "algs.h"
#include "seal.h"
#include "token.h"

/*
 * Decodes standard base64 (padding optional) into out (outsz bytes).
 * Returns 0 with *len, or -1 on a bad character, bad length or overflow.
 * What is decoded may be a key: the copies made on the way are wiped.
 */
int
b64_decode(const char *s, unsigned char *out, size_t outsz, size_t *len)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 n = strlen(s), pad, padded, got;
	unsigned char		*in, *dec;
	int			 rc = -1, d;

	while (n > 0 && s[n - 1] == '=')
		n--;
	pad = strlen(s) - n;
	/* Padding is optional, but when present it must complete the block. */
	if (pad > 2 || n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0) ||
	    strspn(s, alphabet) != n || n > INT_MAX / 2)
		return -1;
	padded = (n + 3) / 4 * 4;
	if ((in = malloc(padded + 1)) == NULL)
		return -1;
	if ((dec = malloc(padded / 4 * 3 + 1)) == NULL) {
		free(in);
		return -1;
	}
	memcpy(in, s, n);
	memset(in + n, '=', padded - n);
	in[padded] = '\0';
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if ((d = EVP_DecodeBlock(dec, in, (int)padded)) >= 0) {
		got = (size_t)d - (padded - n);
		if (got <= outsz) {
			memcpy(out, dec, got);
			*len = got;
			rc = 0;
		}
	}
	OPENSSL_cleanse(in, padded);
	OPENSSL_cleanse(dec, padded / 4 * 3);
	free(in);
	free(dec);
	return rc;
}

static int
kid_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > KID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * Parses "kid:base64(32 bytes)[,kid:...]" (the first key is active).
 * Returns 0, or -1 with a message in err that names the entry by position
 * and kid, never key material.  kr is wiped on failure.
 */
int
keyring_parse(struct keyring *kr, const char *spec, char *err, size_t errsz)
{
	const char	*p, *end, *colon;
	char		 b64[128];
	size_t		 len, klen, i, pos = 0;

	memset(kr, 0, sizeof(*kr));
	if (spec == NULL || *spec == '\0') {
		snprintf(err, errsz, "APCONN_KEYS is empty: give at least one "
		    "kid:base64(32 bytes) key");
		return -1;
	}
	for (p = spec; ; p = end + 1) {
		pos++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL || !kid_valid(p, (size_t)(colon - p))) {
			snprintf(err, errsz, "APCONN_KEYS entry %zu: expected "
			    "kid:base64 with a kid of 1 to %d characters of "
			    "[A-Za-z0-9_.-]", pos, KID_MAX);
			goto fail;
		}
		if (kr->n == KEYRING_MAX) {
			snprintf(err, errsz, "APCONN_KEYS: more than %d keys",
			    KEYRING_MAX);
			goto fail;
		}
		memcpy(kr->k[kr->n].kid, p, (size_t)(colon - p));
		kr->k[kr->n].kid[colon - p] = '\0';
		for (i = 0; i < kr->n; i++)
			if (strcmp(kr->k[i].kid, kr->k[kr->n].kid) == 0) {
				snprintf(err, errsz, "APCONN_KEYS entry %zu: "
				    "kid %s appears twice", pos, kr->k[i].kid);
				goto fail;
			}
		klen = (size_t)(end - colon - 1);
		if (klen >= sizeof(b64)) {
			snprintf(err, errsz, "APCONN_KEYS entry %zu (kid %s): "
			    "the key is not 32 bytes", pos, kr->k[kr->n].kid);
			goto fail;
		}
		memcpy(b64, colon + 1, klen);
		b64[klen] = '\0';
		if (b64_decode(b64, kr->k[kr->n].key, 32, &len) == -1 ||
		    len != 32) {
			snprintf(err, errsz, "APCONN_KEYS entry %zu (kid %s): "
			    "the key must be 32 bytes in base64", pos,
			    kr->k[kr->n].kid);
			goto fail;
		}
		kr->n++;
		if (*end == '\0')
			break;
	}
	OPENSSL_cleanse(b64, sizeof(b64));
	return 0;
fail:
	OPENSSL_cleanse(b64, sizeof(b64));
	keyring_free(kr);
	return -1;
}

void
keyring_free(struct keyring *kr)
{
	OPENSSL_cleanse(kr, sizeof(*kr));
}

const char *
keyring_active_kid(const struct keyring *kr)
{
	return kr->n > 0 ? kr->k[0].kid : NULL;
}

/* How many values this process sealed under kid (the IV budget). */
unsigned long long
keyring_sealed(const struct keyring *kr, const char *kid)
{
	size_t	i;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->k[i].kid, kid) == 0)
			return kr->k[i].sealed;
	return 0;
}

/*
 * Seals pt (ptlen bytes, at most SEAL_PT_MAX) under the active key with
 * aad.  Returns 0 with out filled (sealed_free() it), or -1.
 */
int
seal(struct keyring *kr, const char *aad, const unsigned char *pt,
    size_t ptlen, struct sealed *out)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 iv[12], tag[16], *ct = NULL;
	int		 n, fin, rc = -1;
	size_t		 ctcap;

	memset(out, 0, sizeof(*out));
	if (kr->n == 0 || ptlen > SEAL_PT_MAX)
		return -1;
	if ((ct = malloc(ptlen + 16)) == NULL ||
	    RAND_bytes(iv, sizeof(iv)) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, algs_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, kr->k[0].key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	ctcap = ((size_t)(n + fin) + 2) / 3 * 4 + 1;
	if ((out->ct = malloc(ctcap)) == NULL)
		goto out;
	b64std_encode(ct, (size_t)(n + fin), out->ct, ctcap);
	b64std_encode(iv, sizeof(iv), out->iv, sizeof(out->iv));
	b64std_encode(tag, sizeof(tag), out->tag, sizeof(out->tag));
	snprintf(out->kid, sizeof(out->kid), "%s", kr->k[0].kid);
	kr->k[0].sealed++;
	metrics_sealed(kr->k[0].kid);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(ct);		/* ciphertext: no need to wipe */
	if (rc == -1)
		sealed_free(out);
	return rc;
}

void
sealed_free(struct sealed *s)
{
	free(s->ct);
	s->ct = NULL;
}

/*
 * AES-256-GCM: decrypts ct (ctlen bytes) into out (room for ctlen bytes)
 * under key with an IV of ivlen bytes, aad (may be NULL) and a 16-byte
 * tag.  Returns the plaintext length, or -1 when anything fails, the tag
 * check included.
 */
static int
gcm_open(const unsigned char *key, const unsigned char *iv, size_t ivlen,
    const char *aad, const unsigned char *ct, size_t ctlen,
    const unsigned char *tag, unsigned char *out)
{
	EVP_CIPHER_CTX	*ctx;
	int		 n = 0, fin = 0, rc = -1;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_DecryptInit_ex(ctx, algs_aes_256_gcm(), NULL, NULL,
	    NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen,
	    NULL) == 1 &&
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) == 1 &&
	    (aad == NULL || EVP_DecryptUpdate(ctx, NULL, &n,
	    (const unsigned char *)aad, (int)strlen(aad)) == 1) &&
	    EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
	    (void *)(uintptr_t)tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1)
		rc = n + fin;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/*
 * Opens a sealed value.  The IV must decode to exactly 12 bytes and the
 * tag to exactly 16 before anything is decrypted (OpenSSL would accept a
 * truncated tag).  Returns 0 with *pt (NUL-terminated, heap: plain_free()
 * wipes and frees it) and *ptlen, or -1 on any failure, authentication
 * included, with nothing left behind.
 */
int
unseal(const struct keyring *kr, const char *aad, const char *kid,
    const char *iv64, const char *ct64, const char *tag64, unsigned char **pt,
    size_t *ptlen)
{
	unsigned char	 iv[16], tag[20], *ct = NULL, *out = NULL;
	const unsigned char *key = NULL;
	size_t		 ivlen, taglen, ctlen, i;
	int		 n, rc = -1;

	*pt = NULL;
	*ptlen = 0;
	if (kid == NULL || iv64 == NULL || ct64 == NULL || tag64 == NULL)
		return -1;
	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->k[i].kid, kid) == 0)
			key = kr->k[i].key;
	if (key == NULL)
		return -1;
	if (b64_decode(iv64, iv, sizeof(iv), &ivlen) == -1 || ivlen != 12 ||
	    b64_decode(tag64, tag, sizeof(tag), &taglen) == -1 || taglen != 16)
		return -1;
	if (strlen(ct64) / 4 * 3 + 3 > SEAL_PT_MAX + 16 ||
	    (ct = malloc(strlen(ct64) / 4 * 3 + 3)) == NULL)
		return -1;
	if (b64_decode(ct64, ct, strlen(ct64) / 4 * 3 + 3, &ctlen) == -1 ||
	    (out = malloc(ctlen + 1)) == NULL)
		goto out;
	if ((n = gcm_open(key, iv, 12, aad, ct, ctlen, tag, out)) < 0)
		goto out;
	out[n] = '\0';
	*pt = out;
	*ptlen = (size_t)n;
	out = NULL;
	rc = 0;
out:
	free(ct);
	if (out != NULL)
		plain_free(out, ctlen + 1);
	return rc;
}

/* Wipes and frees a plaintext from unseal(). */
void
plain_free(unsigned char *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* Decodes hex into out (outsz bytes); 0 with *len, or -1. */
static int
hex_decode(const char *s, unsigned char *out, size_t outsz, size_t *len)
{
	size_t	n = strlen(s);

	if (n == 0) {
		*len = 0;
		return 0;
	}
	if (n % 2 != 0 || n / 2 > outsz)
		return -1;
	return OPENSSL_hexstr2buf_ex(out, outsz, len, s, '\0') == 1 ? 0 : -1;
}

/* 1 when the len bytes at p hold no NUL and run from '{' to '}' (white
 * space around them aside), else 0. */
static int
json_object_shaped(const unsigned char *p, size_t len)
{
	size_t	i = 0, j = len;

	if (memchr(p, '\0', len) != NULL)
		return 0;
	while (i < j && strchr(" \t\r\n", p[i]) != NULL)
		i++;
	while (j > i && strchr(" \t\r\n", p[j - 1]) != NULL)
		j--;
	return j - i >= 2 && p[i] == '{' && p[j - 1] == '}';
}

/*
 * Opens a value exported from Activepieces: {iv, data} is AES-256-CBC
 * (16-byte IV), {iv, data, authTag} AES-256-GCM (12-byte IV, 16-byte tag,
 * as Activepieces writes it); all hex.
 * key32 is the 32 ASCII characters of AP_ENCRYPTION_KEY, used as bytes.
 * CBC carries no integrity: under a wrong key about one try in 256 still
 * passes the padding check, so a CBC plaintext not shaped as the JSON
 * object Activepieces stores ('{' to '}' around it, no NUL) counts as
 * not opening.  Returns 0 with *pt (plain_free() it), or -1.
 */
int
unseal_activepieces(const char *key32, const char *iv_hex,
    const char *data_hex, const char *tag_hex, unsigned char **pt,
    size_t *ptlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 iv[32], tag[16], *ct = NULL, *out = NULL;
	size_t		 ivlen, taglen, ctlen, cap;
	int		 n, fin, rc = -1, gcm = tag_hex != NULL;

	*pt = NULL;
	*ptlen = 0;
	if (key32 == NULL || strlen(key32) != 32 || iv_hex == NULL ||
	    data_hex == NULL)
		return -1;
	if (hex_decode(iv_hex, iv, sizeof(iv), &ivlen) == -1 ||
	    (gcm ? ivlen != 12 : ivlen != 16))
		return -1;
	if (gcm && (hex_decode(tag_hex, tag, sizeof(tag), &taglen) == -1 ||
	    taglen != 16))
		return -1;
	cap = strlen(data_hex) / 2 + 1;
	if (cap > SEAL_PT_MAX + 32 || (ct = malloc(cap)) == NULL ||
	    (out = malloc(cap + 32)) == NULL)
		goto out;
	if (hex_decode(data_hex, ct, cap, &ctlen) == -1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (gcm) {
		if ((n = gcm_open((const unsigned char *)key32, iv, ivlen,
		    NULL, ct, ctlen, tag, out)) < 0)
			goto out;
		fin = 0;
	} else if (EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    (const unsigned char *)key32, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1)
		goto out;
	out[n + fin] = '\0';
	if (!gcm && !json_object_shaped(out, (size_t)(n + fin)))
		goto out;
	*pt = out;
	*ptlen = (size_t)(n + fin);
	out = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(ct);
	if (out != NULL)
		plain_free(out, cap + 32);
	return rc;
}

/*
 * Opens a value of the original workflow builder: "iv:tag:ciphertext" in
 * hex, AES-256-GCM with a 16-byte IV, a 16-byte tag and no additional
 * data, under key_hex (the 64 hex characters of
 * INTEGRATION_ENCRYPTION_KEY).  Every part must be well-formed hex of the
 * right length before anything is decrypted.  Returns 0 with *pt
 * (NUL-terminated; plain_free() it) and *ptlen, or -1.
 */
int
unseal_workflow_builder(const char *key_hex, const char *text,
    unsigned char **pt, size_t *ptlen)
{
	unsigned char	 key[32], iv[16], tag[16], *ct = NULL, *out = NULL;
	char		 part[33];
	const char	*c1, *c2;
	size_t		 len, ctlen = 0, cap = 0;
	int		 n, rc = -1;

	*pt = NULL;
	*ptlen = 0;
	if (key_hex == NULL || text == NULL || strlen(key_hex) != 64 ||
	    hex_decode(key_hex, key, sizeof(key), &len) == -1 || len != 32)
		goto out;
	if ((c1 = strchr(text, ':')) == NULL ||
	    (c2 = strchr(c1 + 1, ':')) == NULL || strchr(c2 + 1, ':') != NULL)
		goto out;
	if (c1 - text != 32 || c2 - c1 - 1 != 32 || c2[1] == '\0')
		goto out;
	memcpy(part, text, 32);
	part[32] = '\0';
	if (hex_decode(part, iv, sizeof(iv), &len) == -1 || len != 16)
		goto out;
	memcpy(part, c1 + 1, 32);
	if (hex_decode(part, tag, sizeof(tag), &len) == -1 || len != 16)
		goto out;
	cap = strlen(c2 + 1) / 2 + 1;
	if (cap > SEAL_PT_MAX + 1 || (ct = malloc(cap)) == NULL ||
	    (out = malloc(cap)) == NULL)
		goto out;
	if (hex_decode(c2 + 1, ct, cap, &ctlen) == -1)
		goto out;
	if ((n = gcm_open(key, iv, sizeof(iv), NULL, ct, ctlen, tag,
	    out)) < 0)
		goto out;
	out[n] = '\0';
	*pt = out;
	*ptlen = (size_t)n;
	out = NULL;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(ct);
	if (out != NULL)
		plain_free(out, cap);
	return rc;
}
