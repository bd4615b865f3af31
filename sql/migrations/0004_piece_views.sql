-- The JSON shapes of piece metadata, built by PostgreSQL: the full piece
-- and the summary (actions and triggers as counts).

CREATE FUNCTION apconn.piece_json(p apconn.piece_metadata) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT json_build_object(
	    'id', p.id, 'name', p.name, 'authors', p.authors,
	    'displayName', p.display_name, 'logoUrl', p.logo_url,
	    'description', p.description, 'platformId', p.platform_id,
	    'version', p.version,
	    'minimumSupportedRelease', p.minimum_supported_release,
	    'maximumSupportedRelease', p.maximum_supported_release,
	    'auth', p.auth, 'actions', p.actions, 'triggers', p.triggers,
	    'pieceType', p.piece_type, 'categories', p.categories,
	    'packageType', p.package_type, 'i18n', p.i18n,
	    'createdAt', apconn.iso(p.created_at),
	    'updatedAt', apconn.iso(p.updated_at))
$fn$;

CREATE FUNCTION apconn.piece_summary_json(p apconn.piece_metadata)
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT json_build_object(
	    'id', p.id, 'name', p.name, 'authors', p.authors,
	    'displayName', p.display_name, 'logoUrl', p.logo_url,
	    'description', p.description, 'platformId', p.platform_id,
	    'version', p.version,
	    'minimumSupportedRelease', p.minimum_supported_release,
	    'maximumSupportedRelease', p.maximum_supported_release,
	    'auth', p.auth,
	    'actions', CASE WHEN jsonb_typeof(p.actions) = 'object'
		THEN (SELECT count(*) FROM jsonb_object_keys(p.actions)) ELSE 0 END,
	    'triggers', CASE WHEN jsonb_typeof(p.triggers) = 'object'
		THEN (SELECT count(*) FROM jsonb_object_keys(p.triggers)) ELSE 0 END,
	    'pieceType', p.piece_type, 'categories', p.categories,
	    'packageType', p.package_type, 'i18n', p.i18n,
	    'createdAt', apconn.iso(p.created_at),
	    'updatedAt', apconn.iso(p.updated_at))
$fn$;
