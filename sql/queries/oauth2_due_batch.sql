-- $1 the last id seen ('' at first), $2 batch size: ACTIVE OAuth2
-- connections, in id order, with their owners, whether their piece is in
-- the catalogue, and whether the sweep is backing off from them
SELECT c.id, c.owner_id,
    EXISTS (SELECT 1 FROM apconn.piece_metadata p
        WHERE p.name = c.piece_name)::text,
    (c.refresh_retry_at IS NOT NULL AND c.refresh_retry_at > now())::text
FROM apconn.app_connection c
WHERE c.type = 'OAUTH2' AND c.status = 'ACTIVE' AND c.id > $1
ORDER BY c.id LIMIT $2::int
