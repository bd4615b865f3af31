-- $1 the original's table (users, integrations, app_connection,
-- workflows), $2 a row's id there: 'present' when apconn has the row (it
-- is recorded as taken), 'deleted' when an import took it and apconn
-- has deleted it since, else 'new'
WITH here AS (
	SELECT 1 FROM apconn.users WHERE $1 = 'users' AND id = $2
	UNION ALL
	SELECT 1 FROM apconn.app_connection
	WHERE $1 IN ('integrations', 'app_connection') AND id = $2
	UNION ALL
	SELECT 1 FROM apconn.workflows WHERE $1 = 'workflows' AND id = $2
), rec AS (
	INSERT INTO apconn.import_ledger (source_table, source_id)
	SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM here)
	ON CONFLICT DO NOTHING
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM here) THEN 'present'
    WHEN EXISTS (SELECT 1 FROM apconn.import_ledger l
	WHERE l.source_table = $1 AND l.source_id = $2) THEN 'deleted'
    ELSE 'new' END
