-- Validation of a workflow's connection references, and the audit of
-- every credential resolution by the executor (DESIGN.md sections 4, 6, 9).

-- "@activepieces/piece-slack" -> "slack"; other names unchanged.
CREATE FUNCTION apconn.piece_short(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT CASE WHEN name LIKE '@activepieces/piece-%'
	    THEN substr(name, 21) ELSE name END
$fn$;

-- The piece an activity id ("slack/send_message", "@scope/pkg/action")
-- belongs to, as a short name; NULL when the id names no piece.
CREATE FUNCTION apconn.activity_piece(activity text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT CASE
	    WHEN activity IS NULL OR position('/' IN activity) = 0 THEN NULL
	    WHEN left(activity, 1) = '@' THEN apconn.piece_short(
		substring(activity FROM '^(@[^/]+/[^/]+)/'))
	    ELSE NULLIF(split_part(activity, '/', 1), '') END
$fn$;

-- The piece a node's action needs: from data.config.actionType, else
-- data.actionId, else data.config.service (the executor's order).
CREATE FUNCTION apconn.node_piece(n jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
	SELECT COALESCE(
	    apconn.activity_piece(NULLIF(n #>> '{data,config,actionType}', '')),
	    apconn.activity_piece(NULLIF(n #>> '{data,actionId}', '')),
	    apconn.piece_short(NULLIF(n #>> '{data,config,service}', '')))
$fn$;

-- The problems of owner's nodes with their connections, as a JSON array
-- of {nodeId, nodeLabel, code, message, externalId?, integrationId?,
-- pieceName?, connectionPiece?} in node order; [] when there is none.
-- A reference to anything the owner does not own reads as not found.
CREATE FUNCTION apconn.workflow_ref_issues(nodes jsonb, owner text)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	WITH n AS (
		SELECT ord, e->>'id' AS node_id,
		    COALESCE(NULLIF(e #>> '{data,label}', ''), e->>'id') AS label,
		    NULLIF(COALESCE(e #>> '{data,config,auth}',
			e #>> '{data,auth}'), '') AS auth,
		    COALESCE(apconn.template_external_id(e #>> '{data,config,auth}'),
			apconn.template_external_id(e #>> '{data,auth}')) AS ext,
		    NULLIF(COALESCE(NULLIF(e #>> '{data,config,integrationId}', ''),
			e #>> '{data,integrationId}'), '') AS iid,
		    apconn.node_piece(e) AS piece
		FROM jsonb_array_elements(CASE WHEN jsonb_typeof(nodes) = 'array'
		    THEN nodes ELSE '[]' END) WITH ORDINALITY AS x(e, ord)
		WHERE jsonb_typeof(e) = 'object'
	), r AS (
		SELECT n.*, ce.id AS ce_id, ci.id AS ci_id,
		    ci.external_id AS ci_ext,
		    COALESCE(ce.status, ci.status) AS status,
		    apconn.piece_short(COALESCE(ce.piece_name, ci.piece_name))
			AS cpiece
		FROM n
		LEFT JOIN apconn.app_connection ce
		    ON ce.owner_id = owner AND ce.external_id = n.ext
		LEFT JOIN apconn.app_connection ci
		    ON ci.owner_id = owner AND ci.id = n.iid
	), issues AS (
		SELECT r.ord, v.k, json_strip_nulls(json_build_object(
		    'nodeId', r.node_id, 'nodeLabel', r.label, 'code', v.code,
		    'message', v.message, 'externalId', r.ext,
		    'integrationId', r.iid, 'pieceName', r.piece,
		    'connectionPiece', r.cpiece)) AS j
		FROM r, LATERAL (VALUES
		    (1, r.auth IS NOT NULL AND r.ext IS NULL, 'invalid_reference',
			'The auth value is not a connection reference'),
		    (2, r.ext IS NOT NULL AND r.ce_id IS NULL,
			'connection_not_found', 'Connection not found'),
		    (3, r.iid IS NOT NULL AND r.ci_id IS NULL,
			'integration_not_found', 'Integration not found'),
		    (4, r.ext IS NOT NULL AND r.ci_id IS NOT NULL AND
			r.ci_ext <> r.ext, 'reference_mismatch',
			'The node''s integrationId and auth name different connections'),
		    (5, r.status = 'ERROR', 'connection_error',
			'The connection is in error; reconnect it'),
		    (6, r.status = 'MISSING', 'connection_missing',
			'The connection is missing its credentials'),
		    (7, r.piece IS NOT NULL AND r.cpiece IS NOT NULL AND
			r.piece <> r.cpiece, 'piece_mismatch',
			'The connection belongs to another piece than the node''s action'))
		    AS v(k, hit, code, message)
		WHERE v.hit
	)
	SELECT COALESCE(json_agg(j ORDER BY ord, k), '[]') FROM issues
$fn$;

-- One row per credential resolution, granted or refused; never the
-- secret, only the names of the keys handed out.  The first columns are
-- those of the original's credential_access_logs.
CREATE TABLE apconn.credential_access_log (
	id			text PRIMARY KEY,
	execution_id		text,
	node_id			text NOT NULL DEFAULT '',
	integration_type	text NOT NULL DEFAULT '',
	credential_keys		jsonb NOT NULL DEFAULT '[]',
	source			text NOT NULL CHECK (source IN ('dapr_secret',
				    'database', 'request_body', 'not_found')),
	fallback_attempted	boolean NOT NULL DEFAULT false,
	fallback_reason		text,
	accessed_at		timestamptz NOT NULL DEFAULT now(),
	workflow_id		text NOT NULL,
	connection_id		text,
	connection_external_id	text NOT NULL,
	owner_id		text,
	key_id			text,
	outcome			text NOT NULL
);
CREATE INDEX credential_access_log_connection ON apconn.credential_access_log
    (connection_id, accessed_at DESC);
CREATE INDEX credential_access_log_workflow ON apconn.credential_access_log
    (workflow_id, accessed_at DESC);
