-- $1 job: seconds since its last run (on any host) started, by the
-- database's clock, and whether that run succeeded; no row if never run
SELECT extract(epoch FROM now() - started_at)::text, ok::text
FROM apconn.job_runs WHERE job = $1 ORDER BY finished_at DESC LIMIT 1
