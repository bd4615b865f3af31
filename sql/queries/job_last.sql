-- the last run of every job, as a JSON object keyed by job
SELECT COALESCE(json_object_agg(j.job, json_build_object(
	'finishedAt', apconn.iso(j.finished_at), 'ok', j.ok,
	'summary', j.summary, 'host', j.host)), '{}')::text
FROM (SELECT DISTINCT ON (job) * FROM apconn.job_runs
    ORDER BY job, finished_at DESC) j
