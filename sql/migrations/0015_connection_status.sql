-- A connection in every answer also says why and since when it has its
-- status: statusReason (the last failed test or refresh, NULL when
-- ACTIVE) and statusAt (NULL until a test, refresh or value change set
-- it), so a client can show an ERROR connection's reason.
CREATE OR REPLACE FUNCTION apconn.connection_json(c apconn.app_connection)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT json_build_object(
	    'id', c.id, 'externalId', c.external_id,
	    'displayName', c.display_name, 'pieceName', c.piece_name,
	    'pieceVersion', c.piece_version, 'type', c.type,
	    'status', c.status, 'statusReason', c.status_reason,
	    'statusAt', apconn.iso(c.status_at),
	    'scope', c.scope, 'projectIds', c.project_ids,
	    'platformId', c.platform_id, 'ownerId', c.owner_id,
	    'metadata', c.metadata, 'createdAt', apconn.iso(c.created_at),
	    'updatedAt', apconn.iso(c.updated_at))
$fn$;
