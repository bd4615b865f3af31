-- $1 workflow id: its owner and its nodes' connection problems (JSON array)
SELECT w.user_id, apconn.workflow_ref_issues(w.nodes, w.user_id)::text
FROM apconn.workflows w WHERE w.id = $1
