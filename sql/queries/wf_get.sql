-- $1 id: the workflow (JSON), its owner and visibility
SELECT apconn.workflow_json(w)::text, w.user_id, w.visibility
FROM apconn.workflows w WHERE w.id = $1
