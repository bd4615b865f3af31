-- App connections, workflows and the references between them (DESIGN.md
-- section 4), with the original workflow builder's columns kept so that
-- its data imports as it is.

CREATE TABLE apconn.app_connection (
	id		text PRIMARY KEY,
	external_id	text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 255),
	display_name	text NOT NULL,
	piece_name	text NOT NULL,
	piece_version	text NOT NULL DEFAULT '0.0.0',
	type		text NOT NULL CHECK (type IN ('SECRET_TEXT', 'BASIC_AUTH',
			    'CUSTOM_AUTH', 'OAUTH2', 'CLOUD_OAUTH2',
			    'PLATFORM_OAUTH2', 'NO_AUTH')),
	status		text NOT NULL DEFAULT 'ACTIVE'
			    CHECK (status IN ('ACTIVE', 'MISSING', 'ERROR')),
	value		jsonb NOT NULL,
	owner_id	text NOT NULL REFERENCES apconn.users (id)
			    ON DELETE CASCADE,
	metadata	jsonb,
	scope		text NOT NULL DEFAULT 'PROJECT'
			    CHECK (scope IN ('PROJECT', 'PLATFORM')),
	project_ids	jsonb NOT NULL DEFAULT '[]',
	platform_id	text,
	status_reason	text,
	status_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (owner_id, external_id)
);
CREATE INDEX app_connection_owner_piece ON apconn.app_connection
    (owner_id, piece_name);

CREATE TABLE apconn.workflows (
	id		text PRIMARY KEY,
	name		text NOT NULL,
	description	text,
	user_id		text NOT NULL REFERENCES apconn.users (id)
			    ON DELETE CASCADE,
	nodes		jsonb NOT NULL DEFAULT '[]',
	edges		jsonb NOT NULL DEFAULT '[]',
	visibility	text NOT NULL DEFAULT 'private'
			    CHECK (visibility IN ('private', 'public')),
	engine_type	text DEFAULT 'dapr',
	dapr_workflow_name	text,
	dapr_orchestrator_url	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_user_updated ON apconn.workflows (user_id, updated_at DESC);

CREATE TABLE apconn.workflow_connection_ref (
	id			text PRIMARY KEY,
	workflow_id		text NOT NULL REFERENCES apconn.workflows (id)
				    ON DELETE CASCADE,
	node_id			text NOT NULL,
	connection_external_id	text NOT NULL,
	piece_name		text NOT NULL DEFAULT '',
	owner_id		text NOT NULL REFERENCES apconn.users (id)
				    ON DELETE CASCADE,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_connection_ref_workflow ON apconn.workflow_connection_ref
    (workflow_id, node_id);
CREATE INDEX workflow_connection_ref_owner_ext ON apconn.workflow_connection_ref
    (owner_id, connection_external_id);

-- The external id named by a connection template:
-- {{connections['id']}}, {{connections["id"]}} or the legacy
-- {{connections.id}}; NULL for anything else.  handlers/template.c
-- parses the same grammar.
CREATE FUNCTION apconn.template_external_id(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT COALESCE(
	    substring(t FROM '\{\{\s*connections\[[''"]([^''"]+)[''"]\]\s*\}\}'),
	    substring(t FROM '\{\{\s*connections\.([A-Za-z0-9_:-]+)\s*\}\}'))
$fn$;

-- nodes with every template naming old_id (in data.config.auth or
-- data.auth) rewritten to name new_id; anything but an array unchanged.
CREATE FUNCTION apconn.rename_template_refs(nodes jsonb, old_id text,
    new_id text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT CASE WHEN jsonb_typeof(nodes) <> 'array' THEN nodes ELSE
	    (SELECT COALESCE(jsonb_agg(
		CASE WHEN apconn.template_external_id(n2 #>> '{data,auth}') = old_id
		    THEN jsonb_set(n2, '{data,auth}',
			to_jsonb('{{connections[''' || new_id || ''']}}'))
		    ELSE n2 END ORDER BY ord), '[]'::jsonb)
	    FROM (SELECT ord,
		CASE WHEN apconn.template_external_id(n #>> '{data,config,auth}') = old_id
		    THEN jsonb_set(n, '{data,config,auth}',
			to_jsonb('{{connections[''' || new_id || ''']}}'))
		    ELSE n END AS n2
		FROM jsonb_array_elements(nodes) WITH ORDINALITY AS e(n, ord)) s)
	END
$fn$;
