-- $1 job, $2 host, $3 started (epoch seconds), $4 ok, $5 summary
INSERT INTO apconn.job_runs (job, host, started_at, ok, summary)
VALUES ($1, $2, to_timestamp($3::double precision), $4::boolean, $5)
