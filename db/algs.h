/*
 * The OpenSSL algorithms of the request paths, fetched from the default
 * provider once per process.  Naming an algorithm by EVP_aes_256_gcm() or
 * EVP_sha256() makes OpenSSL 3 look its implementation up again at every
 * use, which costs more than opening a small value or hashing a token.
 */
#ifndef APCONN_ALGS_H
#define APCONN_ALGS_H

#include <openssl/evp.h>

/*
 * Each returns the fetched algorithm, kept until the process exits (a
 * forked worker inherits it); when the fetch fails, OpenSSL's named one,
 * which fetches at each use.  Never NULL.
 */
const EVP_CIPHER	*algs_aes_256_gcm(void);
const EVP_MD		*algs_sha256(void);

#endif
