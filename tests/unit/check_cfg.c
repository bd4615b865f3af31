/*
 * Configuration (fcgi/cfg.c): defaults, the environment, the file and its
 * errors, secrets refused in a world-readable file, the environment
 * winning over the file, and the dump that redacts secrets.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fcgi/cfg.h"
#include "unit.h"

static const char *const cfg_env[] = {
	"DATABASE_URL", "APCONN_KEYS", "APCONN_PUBLIC_URL", "APCONN_APP_URL",
	"APCONN_PIECES_URL", "ACTIVEPIECES_API_BASE_URL",
	"APCONN_PIECES_API_KEY", "ACTIVEPIECES_API_KEY", "AP_ENCRYPTION_KEY",
	"INTEGRATION_ENCRYPTION_KEY", "APCONN_OUTBOUND_ALLOW",
	"APCONN_SESSION_DAYS", "APCONN_ACCESS_LOG", "APCONN_AUTH",
	"BETTER_AUTH_SECRET", "APCONN_BETTER_AUTH_DB",
};

static char		cfg_path[64];
static struct config	tcfg;

static void
cfg_setup(void)
{
	size_t	i;

	for (i = 0; i < NELEM(cfg_env); i++)
		unsetenv(cfg_env[i]);
	cfg_path[0] = '\0';
	memset(&tcfg, 0, sizeof(tcfg));
}

static void
cfg_teardown(void)
{
	size_t	i;

	for (i = 0; i < NELEM(cfg_env); i++)
		unsetenv(cfg_env[i]);
	if (cfg_path[0] != '\0')
		unlink(cfg_path);
	cfg_path[0] = '\0';
	cfg_free(&tcfg);
}

/* Writes text to a fresh temporary file with the given mode. */
static const char *
cfg_write(const char *text, mode_t mode)
{
	size_t	len = strlen(text);
	int	fd;

	if (cfg_path[0] != '\0')
		unlink(cfg_path);
	snprintf(cfg_path, sizeof(cfg_path), "/tmp/apconn-check.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(cfg_path), -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
	return cfg_path;
}

START_TEST(test_cfg_defaults)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(tcfg.session_days, 30);
	ck_assert_int_eq(tcfg.access_log, 1);
	ck_assert_str_eq(tcfg.database_url, "");
	ck_assert_str_eq(tcfg.keys, "");
	ck_assert_str_eq(tcfg.public_url, "http://localhost:8080");
	ck_assert_str_eq(tcfg.app_url, "");
	ck_assert_str_eq(tcfg.pieces_url,
	    "https://cloud.activepieces.com/api/v1");
	ck_assert_str_eq(tcfg.pieces_api_key, "");
	ck_assert_str_eq(tcfg.ap_encryption_key, "");
	ck_assert_str_eq(tcfg.integration_encryption_key, "");
	ck_assert_str_eq(tcfg.outbound_allow, "");
	cfg_free(&tcfg);
	ck_assert_ptr_null(tcfg.database_url);
	ck_assert_ptr_null(tcfg.public_url);
	cfg_free(&tcfg);			/* idempotent */
}
END_TEST

START_TEST(test_cfg_env)
{
	char		err[256];

	ck_assert_int_eq(setenv("APCONN_SESSION_DAYS", "7", 1), 0);
	ck_assert_int_eq(setenv("APCONN_ACCESS_LOG", "0", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PUBLIC_URL", "https://x.example", 1),
	    0);
	ck_assert_int_eq(setenv("DATABASE_URL", "postgresql:///apconn", 1),
	    0);
	ck_assert_int_eq(setenv("ACTIVEPIECES_API_KEY", "alias-key", 1), 0);
	ck_assert_int_eq(setenv("ACTIVEPIECES_API_BASE_URL",
	    "https://alias.example/api", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PIECES_URL", "https://main.example",
	    1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(tcfg.session_days, 7);
	ck_assert_int_eq(tcfg.access_log, 0);
	ck_assert_str_eq(tcfg.public_url, "https://x.example");
	ck_assert_str_eq(tcfg.database_url, "postgresql:///apconn");
	/* The original's name works; the new name wins over it. */
	ck_assert_str_eq(tcfg.pieces_api_key, "alias-key");
	ck_assert_str_eq(tcfg.pieces_url, "https://main.example");
	ck_assert_str_eq(tcfg.app_url, "");
	cfg_free(&tcfg);
}
END_TEST

static const struct {
	const char	*name;
	const char	*val;
} cfg_badenv_cases[] = {
	{ "APCONN_SESSION_DAYS", "0" },
	{ "APCONN_SESSION_DAYS", "3651" },
	{ "APCONN_SESSION_DAYS", "abc" },
	{ "APCONN_SESSION_DAYS", "7days" },
	{ "APCONN_SESSION_DAYS", "" },
	{ "APCONN_SESSION_DAYS", "99999999999999999999" },
	{ "APCONN_ACCESS_LOG", "2" },
	{ "APCONN_ACCESS_LOG", "-1" },
	{ "APCONN_ACCESS_LOG", "yes" },
};

START_TEST(test_cfg_env_bad)
{
	char		err[256] = "";

	ck_assert_int_eq(setenv(cfg_badenv_cases[_i].name,
	    cfg_badenv_cases[_i].val, 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, cfg_badenv_cases[_i].name) != NULL,
	    "err \"%s\" does not name the key", err);
	ck_assert_msg(strncmp(err, "environment: ", 13) == 0,
	    "err \"%s\" does not say where", err);
	cfg_free(&tcfg);
}
END_TEST

/* APCONN_AUTH: a known mode, and better-auth only with what it needs. */
START_TEST(test_cfg_auth_mode)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.auth, "apconn");
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_AUTH", "cookie", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "APCONN_AUTH"));
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_AUTH", "better-auth", 1), 0);
	ck_assert_int_eq(setenv("BETTER_AUTH_SECRET", "s", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "APCONN_BETTER_AUTH_DB"));
	cfg_free(&tcfg);
	ck_assert_int_eq(setenv("APCONN_BETTER_AUTH_DB", "dbname=wb", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.auth, "better-auth");
	ck_assert_int_eq(cfg_is_secret("BETTER_AUTH_SECRET"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_BETTER_AUTH_DB"), 1);
}
END_TEST

START_TEST(test_cfg_file)
{
	char		 err[256] = "";
	const char	*path;

	path = cfg_write(
	    "# apconn configuration\n"
	    "\n"
	    "   # indented comment\n"
	    "APCONN_SESSION_DAYS = 12\n"
	    "  APCONN_PUBLIC_URL=https://f.example/a=b  \n"
	    "APCONN_KEYS = k1:abcdef\n"
	    "APCONN_ACCESS_LOG\t=\t0\r\n"
	    "APCONN_APP_URL =\n"
	    "APCONN_OUTBOUND_ALLOW = a.example b.example", 0600);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	ck_assert_int_eq(tcfg.session_days, 12);
	ck_assert_int_eq(tcfg.access_log, 0);
	ck_assert_str_eq(tcfg.public_url, "https://f.example/a=b");
	ck_assert_str_eq(tcfg.keys, "k1:abcdef");
	ck_assert_str_eq(tcfg.app_url, "");
	ck_assert_str_eq(tcfg.outbound_allow, "a.example b.example");
	ck_assert_str_eq(tcfg.pieces_url,
	    "https://cloud.activepieces.com/api/v1");
	cfg_free(&tcfg);
}
END_TEST

static const struct {
	const char	*text;
	const char	*want;		/* after "path:" */
} cfg_badfile_cases[] = {
	{ "# ok\nNOPE = 1\n", "2: unknown key NOPE" },
	{ "APCONN_SESSION_DAYS = 1\n\nAPCONN_SESSION_DAYZ = 1\n",
	    "3: unknown key APCONN_SESSION_DAYZ" },
	{ "APCONN_SESSION_DAYS 12\n",
	    "1: no '=' on this line (expected KEY = value)" },
	{ "\n\nAPCONN_SESSION_DAYS = abc\n",
	    "3: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_SESSION_DAYS = 0\n",
	    "1: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_SESSION_DAYS = 12x\n",
	    "1: APCONN_SESSION_DAYS must be an integer from 1 to 3650" },
	{ "APCONN_ACCESS_LOG =\n",
	    "1: APCONN_ACCESS_LOG must be an integer from 0 to 1" },
	{ "apconn_session_days = 5\n",
	    "1: unknown key apconn_session_days" },
};

START_TEST(test_cfg_file_bad)
{
	char		 err[512] = "", want[512];
	const char	*path;

	path = cfg_write(cfg_badfile_cases[_i].text, 0600);
	snprintf(want, sizeof(want), "%s:%s", path, cfg_badfile_cases[_i].want);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_file_missing)
{
	char		err[256] = "";

	ck_assert_int_eq(cfg_load(&tcfg, "/nonexistent/apconn.conf", err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "/nonexistent/apconn.conf: ", 26) == 0,
	    "err \"%s\"", err);
	cfg_free(&tcfg);
}
END_TEST

static const char *const cfg_secret_keys[] = {
	"APCONN_KEYS", "DATABASE_URL", "APCONN_PIECES_API_KEY",
	"AP_ENCRYPTION_KEY", "INTEGRATION_ENCRYPTION_KEY",
	"BETTER_AUTH_SECRET", "APCONN_BETTER_AUTH_DB",
};

START_TEST(test_cfg_file_secret)
{
	char		 err[512] = "", text[128], want[512];
	const char	*key = cfg_secret_keys[_i], *path;

	snprintf(text, sizeof(text), "# secrets\n%s = s3cr3t\n", key);

	path = cfg_write(text, 0644);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: %s is a secret and the file is "
	    "world-readable (chmod o-r)", path, key);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(strstr(err, "s3cr3t"));
	cfg_free(&tcfg);

	path = cfg_write(text, 0604);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), -1);
	cfg_free(&tcfg);

	path = cfg_write(text, 0600);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	path = cfg_write(text, 0640);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	/* An empty secret reveals nothing. */
	snprintf(text, sizeof(text), "%s =\n", key);
	path = cfg_write(text, 0644);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	cfg_free(&tcfg);

	/* Not secret: world-readable is fine. */
	path = cfg_write("APCONN_PUBLIC_URL = https://p.example\n", 0644);
	ck_assert_msg(cfg_load(&tcfg, path, err, sizeof(err)) == 0, "err: %s",
	    err);
	ck_assert_str_eq(tcfg.public_url, "https://p.example");
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_file_values)
{
	char		 err[256];
	const char	*path;

	path = cfg_write("APCONN_KEYS = filekey\nDATABASE_URL = dbname=x\n",
	    0600);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.keys, "filekey");
	ck_assert_str_eq(tcfg.database_url, "dbname=x");
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_env_wins)
{
	char		 err[256];
	const char	*path;

	path = cfg_write("APCONN_SESSION_DAYS = 12\n"
	    "APCONN_PUBLIC_URL = https://file.example\n"
	    "APCONN_APP_URL = https://app.file.example\n", 0600);
	ck_assert_int_eq(setenv("APCONN_SESSION_DAYS", "40", 1), 0);
	ck_assert_int_eq(setenv("APCONN_PUBLIC_URL", "https://env.example",
	    1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_int_eq(tcfg.session_days, 40);
	ck_assert_str_eq(tcfg.public_url, "https://env.example");
	ck_assert_str_eq(tcfg.app_url, "https://app.file.example");
	cfg_free(&tcfg);

	/* An empty environment value still wins. */
	ck_assert_int_eq(setenv("APCONN_APP_URL", "", 1), 0);
	ck_assert_int_eq(cfg_load(&tcfg, path, err, sizeof(err)), 0);
	ck_assert_str_eq(tcfg.app_url, "");
	cfg_free(&tcfg);
}
END_TEST

static char	dump_buf[4096];

static void
dump_cb(const char *name, const char *val)
{
	size_t	off = strlen(dump_buf);

	snprintf(dump_buf + off, sizeof(dump_buf) - off, "%s=%s\n", name, val);
}

START_TEST(test_cfg_dump)
{
	char		err[256];

	ck_assert_int_eq(setenv("APCONN_KEYS", "s3cr3t-ring", 1), 0);
	ck_assert_int_eq(setenv("AP_ENCRYPTION_KEY", "s3cr3t-ap", 1), 0);
	ck_assert_int_eq(setenv("APCONN_APP_URL", "https://app.example", 1),
	    0);
	ck_assert_int_eq(cfg_load(&tcfg, NULL, err, sizeof(err)), 0);
	dump_buf[0] = '\0';
	cfg_dump(&tcfg, dump_cb);
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_KEYS=(redacted)\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "AP_ENCRYPTION_KEY=(redacted)\n"));
	/* Empty secrets read empty, so an operator sees they are unset. */
	ck_assert_ptr_nonnull(strstr(dump_buf, "DATABASE_URL=\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_PIECES_API_KEY=\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "APCONN_APP_URL=https://app.example\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf,
	    "APCONN_PUBLIC_URL=http://localhost:8080\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_SESSION_DAYS=30\n"));
	ck_assert_ptr_nonnull(strstr(dump_buf, "APCONN_ACCESS_LOG=1\n"));
	ck_assert_ptr_null(strstr(dump_buf, "s3cr3t"));
	cfg_free(&tcfg);
}
END_TEST

START_TEST(test_cfg_is_secret)
{
	ck_assert_int_eq(cfg_is_secret("DATABASE_URL"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_KEYS"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_PIECES_API_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("AP_ENCRYPTION_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("INTEGRATION_ENCRYPTION_KEY"), 1);
	ck_assert_int_eq(cfg_is_secret("APCONN_PUBLIC_URL"), 0);
	ck_assert_int_eq(cfg_is_secret("APCONN_SESSION_DAYS"), 0);
	ck_assert_int_eq(cfg_is_secret("NOPE"), 0);
	ck_assert_int_eq(cfg_is_secret(""), 0);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite	*s = suite_create("cfg");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, test_cfg_defaults);
	tcase_add_test(tc, test_cfg_env);
	tcase_add_loop_test(tc, test_cfg_env_bad, 0, NELEM(cfg_badenv_cases));
	tcase_add_test(tc, test_cfg_file);
	tcase_add_test(tc, test_cfg_auth_mode);
	tcase_add_loop_test(tc, test_cfg_file_bad, 0,
	    NELEM(cfg_badfile_cases));
	tcase_add_test(tc, test_cfg_file_missing);
	tcase_add_loop_test(tc, test_cfg_file_secret, 0,
	    NELEM(cfg_secret_keys));
	tcase_add_test(tc, test_cfg_file_values);
	tcase_add_test(tc, test_cfg_env_wins);
	tcase_add_test(tc, test_cfg_dump);
	tcase_add_test(tc, test_cfg_is_secret);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(cfg_suite());
}
