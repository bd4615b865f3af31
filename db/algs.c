/* The request paths' OpenSSL algorithms, fetched once (see algs.h). */
#include "config.h"

#include <openssl/evp.h>

#include "algs.h"

const EVP_CIPHER *
algs_aes_256_gcm(void)
{
	static EVP_CIPHER	*fetched;

	if (fetched == NULL)
		fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	return fetched != NULL ? fetched : EVP_aes_256_gcm();
}

const EVP_MD *
algs_sha256(void)
{
	static EVP_MD	*fetched;

	if (fetched == NULL)
		fetched = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	return fetched != NULL ? fetched : EVP_sha256();
}
