/*
 * Building responses: the JSON error body of DESIGN.md section 6 and the
 * CGI header block.  Writing to the FastCGI stream is serve.c's job.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "http.h"

static int
resp_error_v(struct resp *resp, int status, const char *code,
    const char *field, const char *fmt, va_list ap)
{
	char		 msg[256];
	json_object	*o;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_object_put(resp->body);		/* drop partial output */
	resp->body = NULL;
	resp->raw = NULL;
	if ((o = json_object_new_object()) == NULL)
		return 500;
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "code", json_object_new_string(code));
	if (field != NULL)
		json_object_object_add(o, "field",
		    json_object_new_string(field));
	resp->body = o;
	return status;
}

/*
 * Replaces any body with {"error": msg, "code": code} and returns status,
 * so that every error exit is one line.  msg is for people and must not
 * carry input, SQL or secrets; code is the stable token clients switch on.
 */
int
resp_error(struct resp *resp, int status, const char *code,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_error_v(resp, status, code, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* As resp_error, with "field" naming the offending request field. */
int
resp_error_field(struct resp *resp, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = resp_error_v(resp, status, code, field, fmt, ap);
	va_end(ap);
	return rc;
}

/* Takes ownership of o as the body; returns status (500 if o is NULL). */
int
resp_json(struct resp *resp, int status, json_object *o)
{
	json_object_put(resp->body);
	resp->body = o;
	resp->raw = NULL;
	if (o == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	return status;
}

/* Adds a header; k and v must outlive the response (literals or arena). */
int
resp_header(struct resp *resp, const char *k, const char *v)
{
	if (resp->nhdr == RESP_MAXHEADERS || v == NULL)
		return -1;
	resp->hdr[resp->nhdr].key = k;
	resp->hdr[resp->nhdr].val = v;
	resp->nhdr++;
	return 0;
}

const char *
resp_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

/*
 * Returns the body text and its length: the serialised json-c body (valid
 * until the body is put) or the raw arena text, or "" for none.
 */
const char *
resp_body_text(struct resp *resp, size_t *len)
{
	const char	*s;

	if (resp->body != NULL) {
		s = json_object_to_json_string_length(resp->body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    len);
		if (s != NULL)
			return s;
	}
	if (resp->raw != NULL) {
		*len = resp->rawlen;
		return resp->raw;
	}
	*len = 0;
	return "";
}

/*
 * Wipes a body that carried credentials: its serialised text and its
 * strings.  The body stays owned by resp.
 */
void
resp_wipe(struct resp *resp)
{
	const char	*s;
	size_t		 len;

	if (resp->body == NULL)
		return;
	if ((s = json_object_to_json_string_length(resp->body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &len)) != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)s, len);
	json_wipe(resp->body);
}

/*
 * Writes the CGI header block for a body of bodylen bytes into buf.
 * Returns the number of bytes written, or -1 if buf is too small.
 */
int
resp_render_head(const struct req *r, const struct resp *resp,
    size_t bodylen, char *buf, size_t bufsz)
{
	size_t	off = 0, i;
	int	n, nobody;

	nobody = resp->status == 204 || resp->status == 304;
#define EMIT(...) do {							\
	n = snprintf(buf + off, bufsz - off, __VA_ARGS__);		\
	if (n < 0 || (size_t)n >= bufsz - off)				\
		return -1;						\
	off += (size_t)n;						\
} while (0)
	EMIT("Status: %d %s\r\n", resp->status,
	    resp_status_text(resp->status));
	if (!nobody) {
		EMIT("Content-Type: %s\r\n", resp->ctype ? resp->ctype :
		    "application/json; charset=utf-8");
		EMIT("Content-Length: %zu\r\n", bodylen);
	}
	EMIT("Cache-Control: %s\r\n", resp->cache ? resp->cache : "no-store");
	EMIT("X-Request-Id: %s\r\n", r->id);
	for (i = 0; i < resp->nhdr; i++) {
		/* Header values never carry CR or LF. */
		if (strpbrk(resp->hdr[i].val, "\r\n") != NULL)
			continue;
		EMIT("%s: %s\r\n", resp->hdr[i].key, resp->hdr[i].val);
	}
	EMIT("\r\n");
#undef EMIT
	return (int)off;
}
