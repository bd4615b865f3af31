-- $1 new row id, $2 short name, $3 the full piece as the upstream serves
-- it (JSON): inserts it, or updates the same name@version when anything
-- differs.  Answers 't' inserted, 'f' updated; no row when unchanged.
-- A piece without a top-level auth gets the one its actions' props
-- carry, if any (the older shape: migration 0023).
WITH j AS (SELECT $3::jsonb AS d)
INSERT INTO apconn.piece_metadata AS p (id, name, version, display_name,
    logo_url, description, authors, categories, auth, actions, triggers,
    minimum_supported_release, maximum_supported_release, piece_type,
    package_type, platform_id, i18n, created_at, updated_at, synced_at)
SELECT $1, $2, d->>'version', COALESCE(d->>'displayName', $2),
    COALESCE(d->>'logoUrl', ''), d->>'description',
    COALESCE(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN
	jsonb_typeof(d->'authors') = 'array' THEN d->'authors' END)), '{}'),
    COALESCE(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN
	jsonb_typeof(d->'categories') = 'array' THEN d->'categories' END)), '{}'),
    COALESCE(CASE WHEN jsonb_typeof(d->'auth') IN ('object', 'array')
	THEN d->'auth' END, apconn.piece_auth_of_props(d->'actions',
	d->'triggers')),
    CASE WHEN jsonb_typeof(d->'actions') = 'object' THEN d->'actions' ELSE '{}' END,
    CASE WHEN jsonb_typeof(d->'triggers') = 'object' THEN d->'triggers' ELSE '{}' END,
    COALESCE(d->>'minimumSupportedRelease', '0.0.0'),
    COALESCE(d->>'maximumSupportedRelease', '9999.9999.9999'),
    COALESCE(d->>'pieceType', 'OFFICIAL'), COALESCE(d->>'packageType', 'REGISTRY'),
    d->>'platformId', d->'i18n',
    COALESCE((d->>'created')::timestamptz, now()),
    COALESCE((d->>'updated')::timestamptz, now()), now()
FROM j
ON CONFLICT (name, version) DO UPDATE SET
    display_name = EXCLUDED.display_name, logo_url = EXCLUDED.logo_url,
    description = EXCLUDED.description, authors = EXCLUDED.authors,
    categories = EXCLUDED.categories, auth = EXCLUDED.auth,
    actions = EXCLUDED.actions, triggers = EXCLUDED.triggers,
    minimum_supported_release = EXCLUDED.minimum_supported_release,
    maximum_supported_release = EXCLUDED.maximum_supported_release,
    piece_type = EXCLUDED.piece_type, package_type = EXCLUDED.package_type,
    platform_id = EXCLUDED.platform_id, i18n = EXCLUDED.i18n,
    updated_at = EXCLUDED.updated_at, synced_at = now()
WHERE (p.display_name, p.logo_url, p.description, p.authors, p.categories,
    p.auth, p.actions, p.triggers, p.minimum_supported_release,
    p.maximum_supported_release, p.i18n, p.updated_at)
    IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.logo_url,
    EXCLUDED.description, EXCLUDED.authors, EXCLUDED.categories,
    EXCLUDED.auth, EXCLUDED.actions, EXCLUDED.triggers,
    EXCLUDED.minimum_supported_release, EXCLUDED.maximum_supported_release,
    EXCLUDED.i18n, EXCLUDED.updated_at)
RETURNING (xmax = 0)::text
