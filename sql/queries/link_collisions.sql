-- $1 anonymous user id, $2 caller's user id: the anonymous user's
-- connections whose external id the caller already uses, and a free
-- external id for each: "<externalId>-<first 8 characters of its id>",
-- or "-<whole id>" when even that is taken.
SELECT a.id, a.external_id,
    CASE WHEN EXISTS (SELECT 1 FROM apconn.app_connection x
	WHERE x.owner_id IN ($1, $2)
	AND x.external_id = left(a.external_id, 200) || '-' || left(a.id, 8))
    THEN left(a.external_id, 200) || '-' || a.id
    ELSE left(a.external_id, 200) || '-' || left(a.id, 8) END
FROM apconn.app_connection a
WHERE a.owner_id = $1 AND EXISTS (SELECT 1 FROM apconn.app_connection c
    WHERE c.owner_id = $2 AND c.external_id = a.external_id)
ORDER BY a.external_id, a.id
