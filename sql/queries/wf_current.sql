-- $1 owner: the autosave workflow as {id, nodes, edges}, or no row
SELECT json_build_object('id', id, 'nodes', nodes, 'edges', edges)::text, id
FROM apconn.workflows WHERE user_id = $1 AND name = '~~__CURRENT__~~'
ORDER BY updated_at DESC LIMIT 1
