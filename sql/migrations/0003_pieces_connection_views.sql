-- Piece metadata (DESIGN.md section 4), credential probes, and the JSON
-- shape of a connection, built by PostgreSQL so that handlers pass it
-- through unparsed.

CREATE TABLE apconn.piece_metadata (
	id			text PRIMARY KEY,
	name			text NOT NULL,
	version			text NOT NULL,
	display_name		text NOT NULL,
	logo_url		text NOT NULL DEFAULT '',
	description		text,
	authors			text[] NOT NULL DEFAULT '{}',
	categories		text[] NOT NULL DEFAULT '{}',
	auth			jsonb,
	actions			jsonb NOT NULL DEFAULT '{}',
	triggers		jsonb NOT NULL DEFAULT '{}',
	minimum_supported_release text NOT NULL DEFAULT '0.0.0',
	maximum_supported_release text NOT NULL DEFAULT '9999.9999.9999',
	piece_type		text NOT NULL DEFAULT 'OFFICIAL',
	package_type		text NOT NULL DEFAULT 'REGISTRY',
	platform_id		text,
	i18n			jsonb,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	synced_at		timestamptz,
	UNIQUE (name, version)
);

-- Semantic version order: "1.10.0" after "1.9.2"; a pre-release sorts
-- before its release; anything unparsable sorts first.
CREATE FUNCTION apconn.semver_key(v text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT CASE WHEN v ~ '^\d{1,9}\.\d{1,9}\.\d{1,9}([-+].*)?$' THEN
	    ARRAY[split_part(v, '.', 1)::bigint, split_part(v, '.', 2)::bigint,
		substring(split_part(v, '.', 3) FROM '^\d+')::bigint,
		CASE WHEN v ~ '^[^-+]*-' THEN 0 ELSE 1 END]
	ELSE ARRAY[-1, -1, -1, -1]::bigint[] END
$fn$;
CREATE INDEX piece_metadata_name_semver ON apconn.piece_metadata
    (name, apconn.semver_key(version) DESC);

-- How to check a credential with one HTTP call (optional data).  url and
-- header values may use {{secret_text}}, {{username}}, {{password}},
-- {{access_token}} and {{props.NAME}}.
CREATE TABLE apconn.piece_auth_probe (
	piece_name	text NOT NULL,
	auth_type	text NOT NULL,
	method		text NOT NULL DEFAULT 'GET'
			    CHECK (method IN ('GET', 'POST', 'HEAD')),
	url		text NOT NULL,
	headers		jsonb NOT NULL DEFAULT '{}',
	expected_status	int NOT NULL DEFAULT 200,
	PRIMARY KEY (piece_name, auth_type)
);

CREATE FUNCTION apconn.iso(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$fn$;

-- A connection as every API answer shows it: never its value.
CREATE FUNCTION apconn.connection_json(c apconn.app_connection) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT json_build_object(
	    'id', c.id, 'externalId', c.external_id,
	    'displayName', c.display_name, 'pieceName', c.piece_name,
	    'pieceVersion', c.piece_version, 'type', c.type,
	    'status', c.status, 'scope', c.scope, 'projectIds', c.project_ids,
	    'platformId', c.platform_id, 'ownerId', c.owner_id,
	    'metadata', c.metadata, 'createdAt', apconn.iso(c.created_at),
	    'updatedAt', apconn.iso(c.updated_at))
$fn$;

CREATE INDEX app_connection_owner_created ON apconn.app_connection
    (owner_id, created_at DESC, id DESC);
