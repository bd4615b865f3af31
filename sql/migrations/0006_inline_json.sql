-- apconn.iso() calls to_char(), which is only STABLE: declared IMMUTABLE,
-- PostgreSQL refused to inline it (and so every JSON builder calling it),
-- and each row paid for two function calls.
CREATE OR REPLACE FUNCTION apconn.iso(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$fn$;
