-- $1 the job's lock key
SELECT pg_advisory_unlock($1::bigint)::text
