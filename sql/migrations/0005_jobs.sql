-- Background jobs: one row per run, so that operators (and GET
-- /api/health) see the last result of each job, whichever host ran it.
CREATE TABLE apconn.job_runs (
	id		bigserial PRIMARY KEY,
	job		text NOT NULL,
	host		text NOT NULL,
	started_at	timestamptz NOT NULL,
	finished_at	timestamptz NOT NULL DEFAULT now(),
	ok		boolean NOT NULL,
	summary		text NOT NULL
);
CREATE INDEX job_runs_job_finished ON apconn.job_runs (job, finished_at DESC);
