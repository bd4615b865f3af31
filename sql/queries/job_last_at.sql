-- $1 job: when its last run (on any host) finished, in epoch seconds, 0 if never
SELECT COALESCE(floor(extract(epoch FROM max(finished_at))), 0)::bigint::text
FROM apconn.job_runs WHERE job = $1
