-- $1 the job's lock key: true when this session now holds it
SELECT pg_try_advisory_lock($1::bigint)::text
