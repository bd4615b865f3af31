#ifndef APCONN_UTF8_H
#define APCONN_UTF8_H

#include <stddef.h>

size_t	utf8_seq(const unsigned char *, size_t);

#endif
