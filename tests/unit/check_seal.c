/*
 * Sealing values: round trips, every tampering refused, the IV and tag
 * lengths checked before decrypting, the key ring's parsing, and the
 * Activepieces formats.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "db/seal.h"
#include "db/token.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define K1	"k1:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs="
#define K2	"k2:TIRZl9XbmrFgdWvTJ1GytvyiSWOwTu8lvJ6h4WHxt6g="

static struct keyring	kr;

static void
ring(const char *spec)
{
	char	err[256];

	ck_assert_int_eq(keyring_parse(&kr, spec, err, sizeof(err)), 0);
}

static int
opens(const struct keyring *k, const char *aad, const char *kid,
    const char *iv, const char *ct, const char *tag, const char *want)
{
	unsigned char	*pt;
	size_t		 len;
	int		 ok;

	if (unseal(k, aad, kid, iv, ct, tag, &pt, &len) == -1)
		return 0;
	ok = want == NULL || (len == strlen(want) && memcmp(pt, want, len) == 0);
	plain_free(pt, len);
	return ok;
}

START_TEST(test_round_trip)
{
	static const size_t	 sizes[] = { 0, 1, 15, 16, 17, 1000, 65536 };
	struct sealed		 s;
	unsigned char		*buf;
	size_t			 i;

	ring(K2 "," K1);
	for (i = 0; i < NELEM(sizes); i++) {
		buf = malloc(sizes[i] + 1);
		memset(buf, 'a' + (int)i, sizes[i]);
		buf[sizes[i]] = '\0';
		ck_assert_int_eq(seal(&kr, "conn1", buf, sizes[i], &s), 0);
		ck_assert_str_eq(s.kid, "k2");
		ck_assert(opens(&kr, "conn1", s.kid, s.iv, s.ct, s.tag,
		    (char *)buf));
		sealed_free(&s);
		free(buf);
	}
	ck_assert_uint_eq(keyring_sealed(&kr, "k2"), NELEM(sizes));
	ck_assert_uint_eq(keyring_sealed(&kr, "k1"), 0);
	keyring_free(&kr);
}
END_TEST

/* Flips one bit of the decoded field and re-encodes it. */
static char *
flip(const char *b64, size_t bit)
{
	unsigned char	 raw[256];
	size_t		 len;
	char		*out = malloc(400);

	ck_assert_int_eq(b64_decode(b64, raw, sizeof(raw), &len), 0);
	raw[(bit / 8) % len] ^= (unsigned char)(1 << (bit % 8));
	b64std_encode(raw, len, out, 400);
	return out;
}

START_TEST(test_tamper)
{
	struct sealed	 s;
	char		*t, short_tag[32], long_iv[40];
	unsigned char	 raw[16];
	size_t		 len;

	ring(K2 "," K1);
	ck_assert_int_eq(seal(&kr, "conn1", (const unsigned char *)
	    "{\"secret_text\":\"s\"}", 19, &s), 0);
	t = flip(s.iv, 5);
	ck_assert(!opens(&kr, "conn1", s.kid, t, s.ct, s.tag, NULL));
	free(t);
	t = flip(s.ct, 9);
	ck_assert(!opens(&kr, "conn1", s.kid, s.iv, t, s.tag, NULL));
	free(t);
	t = flip(s.tag, 100);
	ck_assert(!opens(&kr, "conn1", s.kid, s.iv, s.ct, t, NULL));
	free(t);
	/* Another row (AAD), another key id, an unknown key id. */
	ck_assert(!opens(&kr, "conn2", s.kid, s.iv, s.ct, s.tag, NULL));
	ck_assert(!opens(&kr, "conn1", "k1", s.iv, s.ct, s.tag, NULL));
	ck_assert(!opens(&kr, "conn1", "k9", s.iv, s.ct, s.tag, NULL));
	/* A truncated tag (12 of 16 bytes) is refused before decrypting. */
	ck_assert_int_eq(b64_decode(s.tag, raw, sizeof(raw), &len), 0);
	b64std_encode(raw, 12, short_tag, sizeof(short_tag));
	ck_assert(!opens(&kr, "conn1", s.kid, s.iv, s.ct, short_tag, NULL));
	/* An 8- or 16-byte IV is refused. */
	b64std_encode(raw, 8, long_iv, sizeof(long_iv));
	ck_assert(!opens(&kr, "conn1", s.kid, long_iv, s.ct, s.tag, NULL));
	b64std_encode(raw, 16, long_iv, sizeof(long_iv));
	ck_assert(!opens(&kr, "conn1", s.kid, long_iv, s.ct, s.tag, NULL));
	/* Malformed base64, missing fields. */
	ck_assert(!opens(&kr, "conn1", s.kid, "!!!!", s.ct, s.tag, NULL));
	ck_assert(!opens(&kr, "conn1", s.kid, s.iv, s.ct, NULL, NULL));
	ck_assert(opens(&kr, "conn1", s.kid, s.iv, s.ct, s.tag,
	    "{\"secret_text\":\"s\"}"));
	sealed_free(&s);
	keyring_free(&kr);
}
END_TEST

START_TEST(test_rotation)
{
	struct sealed	s;
	struct keyring	old;
	char		err[256];

	ck_assert_int_eq(keyring_parse(&old, K1, err, sizeof(err)), 0);
	ck_assert_int_eq(seal(&old, "c", (const unsigned char *)"v", 1, &s),
	    0);
	ck_assert_str_eq(s.kid, "k1");
	ring(K2 "," K1);
	ck_assert(opens(&kr, "c", s.kid, s.iv, s.ct, s.tag, "v"));
	ring(K2);
	ck_assert(!opens(&kr, "c", s.kid, s.iv, s.ct, s.tag, NULL));
	sealed_free(&s);
	keyring_free(&kr);
	keyring_free(&old);
}
END_TEST

START_TEST(test_iv_unique)
{
	struct sealed	s;
	char		(*ivs)[17] = calloc(1000, 17);
	int		i, j;

	ring(K2);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(seal(&kr, "c", (const unsigned char *)"v", 1,
		    &s), 0);
		memcpy(ivs[i], s.iv, 17);
		sealed_free(&s);
	}
	for (i = 0; i < 1000; i++)
		for (j = i + 1; j < 1000; j++)
			ck_assert_str_ne(ivs[i], ivs[j]);
	free(ivs);
	keyring_free(&kr);
}
END_TEST

static const struct {
	const char	*spec;
	const char	*want;	/* a fragment of the error */
} bad_rings[] = {
	{ "", "empty" },
	{ "k1", "entry 1" },
	{ "k1:", "entry 1 (kid k1)" },
	{ "k1:c2hvcnQ=", "32 bytes" },
	{ "k1:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3h*=", "entry 1" },
	{ K1 ",k1:TIRZl9XbmrFgdWvTJ1GytvyiSWOwTu8lvJ6h4WHxt6g=", "twice" },
	{ K1 ",", "entry 2" },
	{ ":wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs=", "entry 1" },
	{ "bad kid:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs=", "entry 1" },
	{ "k123456789012345678901234567890123:"
	    "wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs=", "entry 1" },
};

START_TEST(test_bad_rings)
{
	char	err[256];

	ck_assert_int_eq(keyring_parse(&kr, bad_rings[_i].spec, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_rings[_i].want) != NULL, "%s", err);
	ck_assert(strstr(err, "wwbn0CJcu4") == NULL);
	ck_assert(strstr(err, "TIRZl9Xbm") == NULL);
	ck_assert_uint_eq(kr.n, 0);
}
END_TEST

START_TEST(test_good_rings)
{
	ring(K2 "," K1);
	ck_assert_uint_eq(kr.n, 2);
	ck_assert_str_eq(keyring_active_kid(&kr), "k2");
	ring("a.b-c_d:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs");
	ck_assert_str_eq(keyring_active_kid(&kr), "a.b-c_d");
	keyring_free(&kr);
}
END_TEST

/* Encrypts the way Activepieces does, with OpenSSL, and opens it. */
START_TEST(test_activepieces)
{
	const char	 key[] = "0123456789abcdef0123456789abcdef";
	const char	 text[] = "{\"type\":\"SECRET_TEXT\",\"secret_text\":\"x\"}";
	unsigned char	 iv[16], ct[128], tag[16], *pt;
	char		 ivh[33], cth[257], tagh[33];
	EVP_CIPHER_CTX	*ctx;
	int		 n, fin;
	size_t		 len;

	RAND_bytes(iv, sizeof(iv));
	ctx = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    (const unsigned char *)key, iv);
	EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)text,
	    (int)strlen(text));
	EVP_EncryptFinal_ex(ctx, ct + n, &fin);
	hex_encode(iv, 16, ivh);
	hex_encode(ct, (size_t)(n + fin), cth);
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, NULL, &pt, &len),
	    0);
	ck_assert_str_eq((char *)pt, text);
	plain_free(pt, len);
	ck_assert_int_eq(unseal_activepieces("ffffffffffffffffffffffffffffffff",
	    ivh, cth, NULL, &pt, &len), -1);
	ck_assert_int_eq(unseal_activepieces("short", ivh, cth, NULL, &pt,
	    &len), -1);

	EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
	EVP_EncryptInit_ex(ctx, NULL, NULL, (const unsigned char *)key, iv);
	EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)text,
	    (int)strlen(text));
	EVP_EncryptFinal_ex(ctx, ct + n, &fin);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(ctx);
	hex_encode(iv, 12, ivh);
	hex_encode(ct, (size_t)(n + fin), cth);
	hex_encode(tag, 16, tagh);
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, tagh, &pt, &len),
	    0);
	ck_assert_str_eq((char *)pt, text);
	plain_free(pt, len);
	tagh[0] = tagh[0] == '0' ? '1' : '0';
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, tagh, &pt, &len),
	    -1);
	tagh[24] = '\0';	/* a 12-byte tag */
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, tagh, &pt, &len),
	    -1);
}
END_TEST

/*
 * A CBC value under another key whose padding passes by chance (about one
 * IV in 256; the loop finds one) does not open, and neither does a right
 * key's plaintext that is not a JSON object.
 */
START_TEST(test_activepieces_wrong_key)
{
	const char	 key[] = "0123456789abcdef0123456789abcdef";
	const char	 other[] = "fedcba9876543210fedcba9876543210";
	const char	 text[] = "{\"type\":\"SECRET_TEXT\",\"secret_text\":\"y\"}";
	unsigned char	 iv[16], ct[128], out[160], *pt;
	char		 ivh[33], cth[257];
	EVP_CIPHER_CTX	*ctx;
	int		 n, fin, tries, lucky = 0;
	size_t		 len;

	ctx = EVP_CIPHER_CTX_new();
	for (tries = 0; tries < 100000 && !lucky; tries++) {
		RAND_bytes(iv, sizeof(iv));
		EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
		    (const unsigned char *)other, iv);
		EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)text,
		    (int)strlen(text));
		EVP_EncryptFinal_ex(ctx, ct + n, &fin);
		len = (size_t)(n + fin);
		EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
		    (const unsigned char *)key, iv);
		EVP_DecryptUpdate(ctx, out, &n, ct, (int)len);
		lucky = EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
	}
	ck_assert(lucky);
	hex_encode(iv, 16, ivh);
	hex_encode(ct, len, cth);
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, NULL, &pt, &len),
	    -1);
	ck_assert_ptr_null(pt);

	/* The right key, a plaintext that is not an object. */
	RAND_bytes(iv, sizeof(iv));
	EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    (const unsigned char *)key, iv);
	EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)"[1,2]", 5);
	EVP_EncryptFinal_ex(ctx, ct + n, &fin);
	EVP_CIPHER_CTX_free(ctx);
	hex_encode(iv, 16, ivh);
	hex_encode(ct, (size_t)(n + fin), cth);
	ck_assert_int_eq(unseal_activepieces(key, ivh, cth, NULL, &pt, &len),
	    -1);
}
END_TEST

/*
 * The original workflow builder's "iv:tag:ciphertext" (AES-256-GCM, a
 * 16-byte IV, no additional data), made by node's crypto as the original
 * makes it, and damaged copies of it.
 */
START_TEST(test_workflow_builder)
{
	const char	 key[] = "000102030405060708090a0b0c0d0e0f"
			    "101112131415161718191a1b1c1d1e1f";
	const char	 good[] = "8dee277624c334f676dafbe1e09ca533:"
			    "f318be5d122ec36d77cc63aae914d84e:"
			    "0f35995c17c801c61e553e45ffdd";
	static const char *const bad[] = {
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d84f:"
		    "0f35995c17c801c61e553e45ffdd",	/* tag changed */
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d84e:"
		    "0f35995c17c801c61e553e45ffde",	/* data changed */
		"8dee277624c334f676dafbe1e09ca5:"
		    "f318be5d122ec36d77cc63aae914d84e:"
		    "0f35995c17c801c61e553e45ffdd",	/* a 15-byte IV */
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d8:"
		    "0f35995c17c801c61e553e45ffdd",	/* a 15-byte tag */
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d84e:",	/* no data */
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d84e:"
		    "0f35995c17c801c61e553e45ffdd:00",	/* four parts */
		"8dee277624c334f676dafbe1e09ca533:"
		    "f318be5d122ec36d77cc63aae914d84e:"
		    "0f35995c17c801c61e553e45ffd",	/* odd length */
		"8dee277624c334f676dafbe1e09ca53g:"
		    "f318be5d122ec36d77cc63aae914d84e:"
		    "0f35995c17c801c61e553e45ffdd",	/* not hex */
		"", "::", "not encrypted at all",
	};
	unsigned char	*pt;
	size_t		 len, i;

	ck_assert_int_eq(unseal_workflow_builder(key, good, &pt, &len), 0);
	ck_assert_str_eq((char *)pt, "{\"apiKey\":\"k\"}");
	ck_assert_uint_eq(len, 14);
	plain_free(pt, len);
	for (i = 0; i < NELEM(bad); i++) {
		ck_assert_msg(unseal_workflow_builder(key, bad[i], &pt,
		    &len) == -1, "bad[%zu] opened", i);
		ck_assert_ptr_null(pt);
	}
	ck_assert_int_eq(unseal_workflow_builder("00" "0102030405060708090a0b"
	    "0c0d0e0f101112131415161718191a1b1c1d1e1e", good, &pt, &len), -1);
	ck_assert_int_eq(unseal_workflow_builder("0001", good, &pt, &len), -1);
	ck_assert_int_eq(unseal_workflow_builder(NULL, good, &pt, &len), -1);
}
END_TEST

static const struct {
	const char	*in;
	int		 want;	/* decoded length, or -1 */
} b64cases[] = {
	{ "Zg==", 1 }, { "Zg", 1 }, { "Zm8=", 2 }, { "Zm8", 2 },
	{ "Zm9v", 3 }, { "", 0 },
	{ "Zg=", -1 }, { "Zm9v=", -1 }, { "Zm9v==", -1 }, { "Z===", -1 },
	{ "Z", -1 }, { "Zm9v!", -1 }, { "Zm 9v", -1 },
};

START_TEST(test_b64_strict)
{
	unsigned char	out[16];
	size_t		len = 99;
	int		rc;

	rc = b64_decode(b64cases[_i].in, out, sizeof(out), &len);
	if (b64cases[_i].want < 0)
		ck_assert_msg(rc == -1, "%s accepted", b64cases[_i].in);
	else {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(len, (size_t)b64cases[_i].want);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("seal");
	TCase	*tc = tcase_create("seal");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_iv_unique);
	tcase_add_loop_test(tc, test_bad_rings, 0, NELEM(bad_rings));
	tcase_add_test(tc, test_good_rings);
	tcase_add_test(tc, test_activepieces);
	tcase_add_test(tc, test_activepieces_wrong_key);
	tcase_add_test(tc, test_workflow_builder);
	tcase_add_loop_test(tc, test_b64_strict, 0, NELEM(b64cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
