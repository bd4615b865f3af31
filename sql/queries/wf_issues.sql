-- $1 nodes (JSON), $2 owner: the nodes' connection problems (JSON array)
SELECT apconn.workflow_ref_issues(CASE WHEN jsonb_typeof($1::jsonb) = 'array'
    THEN $1::jsonb ELSE '[]' END, $2)::text
