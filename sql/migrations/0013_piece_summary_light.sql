-- The catalogue list carries no translations: i18n holds every string of
-- every action in every language (30 kB a piece on average, 1.6 MB for
-- the 53 recorded pieces).  The key stays, null, so the shape is the
-- same; GET /api/pieces/{name} answers it in full.
CREATE OR REPLACE FUNCTION apconn.piece_summary_json(p apconn.piece_metadata)
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
	    'packageType', p.package_type, 'i18n', NULL,
	    'createdAt', apconn.iso(p.created_at),
	    'updatedAt', apconn.iso(p.updated_at))
$fn$;
