-- $1 owner: the owner's workflows, most recently updated first
SELECT COALESCE(json_agg(apconn.workflow_json(w) ORDER BY w.updated_at DESC,
    w.id), '[]')::text
FROM apconn.workflows w WHERE w.user_id = $1
