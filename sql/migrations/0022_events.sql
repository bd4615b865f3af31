-- Connection events: what changed about a connection, recorded by
-- triggers in the transaction that changed it, whichever path it took
-- (the API, the job process's refreshes, apconn-admin's imports, SQL).
-- An event holds ids, the owner, the piece, the status and the reason,
-- never a value.
--
-- Publication.  An event's id is taken when its row is written, but rows
-- become visible in commit order, so a reader paging by id could pass an
-- id whose transaction has not committed yet and never see it.  The job
-- process therefore publishes events: apconn.events_publish() gives every
-- visible unpublished event the next seq, one publisher at a time, and
-- creates its deliveries.  seq is the order pollers and webhooks see; an
-- event committed later always gets a larger seq, so a cursor on seq
-- never skips one.
--
-- What kind of change.  A trigger sees the row before and after, not why
-- it changed: the statements that write a value or record a refresh say
-- it with set_config('apconn.event_kind', KIND, true) in their WHERE
-- clause, evaluated for the very row the trigger then sees, and local to
-- the transaction.  Kinds: oauth2_connected (an OAuth2 value from an
-- authorization), credentials_updated, refreshed, refresh_failed, rotate
-- (re-sealed under another key: no event), '' (none said: a value change
-- is credentials_updated).
CREATE TABLE apconn.connection_event (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	seq		bigint UNIQUE,		-- NULL until published
	at		timestamptz NOT NULL DEFAULT now(),
	type		text NOT NULL,
	owner_id	text NOT NULL,		-- no foreign key: events outlive
	connection_id	text,			-- their user and connection
	external_id	text NOT NULL,
	piece_name	text,
	connection_type	text,
	status		text,
	reason		text,
	detail		jsonb NOT NULL DEFAULT '{}',
	-- what delivery keeps in order: the connection, or for a reference
	-- to a connection that does not exist, the owner's external id
	stream		text NOT NULL
);
CREATE INDEX connection_event_unpublished ON apconn.connection_event (id)
    WHERE seq IS NULL;
CREATE INDEX connection_event_owner ON apconn.connection_event
    (owner_id, seq);
CREATE INDEX connection_event_external ON apconn.connection_event
    (owner_id, external_id, id);

-- Webhook endpoints (apconn-admin events endpoints): the secret is sealed
-- like a connection value, AAD "webhook_endpoint:<id>"; event_types NULL
-- means every type.
CREATE TABLE apconn.webhook_endpoint (
	id		text PRIMARY KEY,
	url		text NOT NULL,
	secret		jsonb NOT NULL,
	event_types	text[],
	enabled		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- One row per published event and matching endpoint.  pending until the
-- endpoint answers 2xx (delivered) or the retries run out (failed).
CREATE TABLE apconn.event_delivery (
	event_id	bigint NOT NULL REFERENCES apconn.connection_event (id)
			    ON DELETE CASCADE,
	endpoint_id	text NOT NULL REFERENCES apconn.webhook_endpoint (id)
			    ON DELETE CASCADE,
	seq		bigint NOT NULL,
	stream		text NOT NULL,
	state		text NOT NULL DEFAULT 'pending'
			    CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts	integer NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL DEFAULT now(),
	next_at		timestamptz NOT NULL DEFAULT now(),
	last_at		timestamptz,
	last_status	integer,
	last_error	text,
	PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX event_delivery_pending ON apconn.event_delivery
    (endpoint_id, stream, seq) WHERE state = 'pending';
CREATE INDEX event_delivery_due ON apconn.event_delivery (next_at)
    WHERE state = 'pending';

-- Records one event about connection row c.
CREATE FUNCTION apconn.event_add(c apconn.app_connection, etype text,
    reason text, detail jsonb) RETURNS void
LANGUAGE sql AS $fn$
	INSERT INTO apconn.connection_event (type, owner_id, connection_id,
	    external_id, piece_name, connection_type, status, reason, detail,
	    stream)
	VALUES (etype, c.owner_id, c.id, c.external_id, c.piece_name, c.type,
	    c.status, reason, COALESCE(detail, '{}'), c.id)
$fn$;

CREATE FUNCTION apconn.conn_event() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
	kind text := COALESCE(current_setting('apconn.event_kind', true), '');
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM apconn.event_add(NEW, 'connection.created',
		    NEW.status_reason, NULL);
		IF NEW.type IN ('OAUTH2', 'CLOUD_OAUTH2', 'PLATFORM_OAUTH2') THEN
			PERFORM apconn.event_add(NEW,
			    'connection.oauth2_connected', NULL, NULL);
		END IF;
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		PERFORM apconn.event_add(OLD, 'connection.deleted', NULL,
		    jsonb_build_object('detachedWorkflows', (
			SELECT COALESCE(jsonb_agg(w ORDER BY w), '[]')
			FROM (SELECT DISTINCT r.workflow_id w
			    FROM apconn.workflow_connection_ref r
			    WHERE r.owner_id = OLD.owner_id
			    AND r.connection_external_id = OLD.external_id) x)));
		RETURN NULL;
	END IF;
	IF OLD.value IS DISTINCT FROM NEW.value AND kind <> 'rotate' THEN
		IF kind = 'refreshed' THEN
			PERFORM apconn.event_add(NEW, 'connection.refreshed',
			    NULL, NULL);
		ELSIF kind = 'oauth2_connected' THEN
			PERFORM apconn.event_add(NEW,
			    'connection.oauth2_connected', NULL, NULL);
		ELSE
			PERFORM apconn.event_add(NEW,
			    'connection.credentials_updated', NULL, NULL);
		END IF;
	END IF;
	IF kind = 'refresh_failed' THEN
		PERFORM apconn.event_add(NEW, 'connection.refresh_failed',
		    NEW.status_reason, NULL);
	END IF;
	IF OLD.status IS DISTINCT FROM NEW.status THEN
		PERFORM apconn.event_add(NEW, 'connection.status_changed',
		    NEW.status_reason,
		    jsonb_build_object('previousStatus', OLD.status));
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER app_connection_event AFTER INSERT OR UPDATE OR DELETE
    ON apconn.app_connection FOR EACH ROW
    EXECUTE FUNCTION apconn.conn_event();

-- A workflow saved with a reference to a connection its owner does not
-- have: one event per workflow and external id, and again only after a
-- connection of that external id was deleted since (references are
-- rewritten at every save; the event is news once).
CREATE FUNCTION apconn.refs_event() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	INSERT INTO apconn.connection_event (type, owner_id, external_id,
	    piece_name, status, reason, detail, stream)
	SELECT 'workflow.reference_missing', n.owner_id,
	    n.connection_external_id, min(n.piece_name), 'MISSING',
	    'The workflow references a connection that does not exist',
	    jsonb_build_object('workflowId', n.workflow_id,
		'nodeIds', jsonb_agg(n.node_id ORDER BY n.node_id)),
	    n.owner_id || '/' || n.connection_external_id
	FROM new_rows n
	WHERE NOT EXISTS (SELECT 1 FROM apconn.app_connection c
	    WHERE c.owner_id = n.owner_id
	    AND c.external_id = n.connection_external_id)
	AND NOT EXISTS (SELECT 1 FROM apconn.connection_event e
	    WHERE e.owner_id = n.owner_id
	    AND e.external_id = n.connection_external_id
	    AND e.type = 'workflow.reference_missing'
	    AND e.detail->>'workflowId' = n.workflow_id
	    AND e.id > COALESCE((SELECT max(d.id)
		FROM apconn.connection_event d
		WHERE d.owner_id = n.owner_id
		AND d.external_id = n.connection_external_id
		AND d.type = 'connection.deleted'), 0))
	GROUP BY n.owner_id, n.connection_external_id, n.workflow_id;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER workflow_connection_ref_event AFTER INSERT
    ON apconn.workflow_connection_ref REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.refs_event();

-- The event as pollers and webhooks see it (compact JSON is made by the
-- caller).
CREATE FUNCTION apconn.event_json(e apconn.connection_event) RETURNS json
LANGUAGE sql STABLE AS $fn$
	SELECT json_build_object('id', e.id::text, 'type', e.type,
	    'at', apconn.iso(e.at), 'ownerId', e.owner_id,
	    'connectionId', e.connection_id, 'externalId', e.external_id,
	    'pieceName', e.piece_name, 'connectionType', e.connection_type,
	    'status', e.status, 'reason', e.reason, 'detail', e.detail)
$fn$;

-- Publishes up to lim visible events in id order (see above) and creates
-- their deliveries to the enabled endpoints that take their type.
-- Returns how many it published.
CREATE FUNCTION apconn.events_publish(lim integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
	base	bigint;
	n	integer;
BEGIN
	PERFORM pg_advisory_xact_lock(5921776011);
	SELECT COALESCE(max(seq), 0) INTO base FROM apconn.connection_event;
	WITH todo AS (
		SELECT id, row_number() OVER (ORDER BY id) AS r
		FROM apconn.connection_event WHERE seq IS NULL
		ORDER BY id LIMIT lim
	)
	UPDATE apconn.connection_event e SET seq = base + todo.r
	FROM todo WHERE e.id = todo.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		INSERT INTO apconn.event_delivery (event_id, endpoint_id, seq,
		    stream)
		SELECT e.id, w.id, e.seq, e.stream
		FROM apconn.connection_event e
		JOIN apconn.webhook_endpoint w ON w.enabled
		    AND (w.event_types IS NULL OR e.type = ANY (w.event_types))
		WHERE e.seq > base;
	END IF;
	RETURN n;
END
$fn$;
