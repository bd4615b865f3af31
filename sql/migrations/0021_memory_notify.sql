-- What a worker keeps in memory, the database takes back: every change
-- that makes a kept answer untrue notifies, in its own transaction, so
-- that the notification reaches every listening worker at its commit.
--
-- apconn_cred, payload 'f:' API key id, 't:' session id, 'u:' user id,
-- or '*' (a table was truncated): a credential was revoked, deleted, had
-- its expiry, scopes, hash or user changed, or its user changed (name,
-- email, anonymity) or was deleted.  A use (last_used_at) notifies
-- nothing.
--
-- apconn_conn, payload an owner id or '*': that owner's connections
-- changed (the statement that raised apconn.conn_gen), or the references
-- of its workflows, or a workflow changed hands or was deleted.
CREATE FUNCTION apconn.cred_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		PERFORM pg_notify('apconn_cred', '*');
	ELSIF TG_TABLE_NAME = 'api_keys' THEN
		PERFORM pg_notify('apconn_cred', 'f:' || OLD.id);
	ELSIF TG_TABLE_NAME = 'sessions' THEN
		PERFORM pg_notify('apconn_cred', 't:' || OLD.id);
	ELSE
		PERFORM pg_notify('apconn_cred', 'u:' || OLD.id);
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER api_keys_notify AFTER UPDATE ON apconn.api_keys FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'last_used_at' IS DISTINCT FROM
	to_jsonb(NEW) - 'last_used_at')
    EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER api_keys_notify_delete AFTER DELETE ON apconn.api_keys
    FOR EACH ROW EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON apconn.api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.cred_notify();

CREATE TRIGGER sessions_notify AFTER UPDATE ON apconn.sessions FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'last_used_at' IS DISTINCT FROM
	to_jsonb(NEW) - 'last_used_at')
    EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON apconn.sessions
    FOR EACH ROW EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER sessions_notify_truncate AFTER TRUNCATE ON apconn.sessions
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.cred_notify();

CREATE TRIGGER users_notify AFTER UPDATE ON apconn.users FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR
	OLD.name IS DISTINCT FROM NEW.name OR
	OLD.email IS DISTINCT FROM NEW.email OR
	OLD.is_anonymous IS DISTINCT FROM NEW.is_anonymous)
    EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER users_notify_delete AFTER DELETE ON apconn.users
    FOR EACH ROW EXECUTE FUNCTION apconn.cred_notify();
CREATE TRIGGER users_notify_truncate AFTER TRUNCATE ON apconn.users
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.cred_notify();

-- conn_gen_raise() of 0018 (the counter stays for workers of earlier
-- releases), telling the workers which owners it raised.
CREATE OR REPLACE FUNCTION apconn.conn_gen_raise() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE apconn.conn_gen SET gen = gen + 1;
		PERFORM pg_notify('apconn_conn', '*');
		RETURN NULL;
	END IF;
	-- Owners in one order, so that two statements cannot wait on each
	-- other's counters.
	IF TG_OP = 'INSERT' THEN
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT DISTINCT owner_id, 1 FROM new_rows ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT DISTINCT owner_id o FROM new_rows) x;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT DISTINCT owner_id, 1 FROM old_rows ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT DISTINCT owner_id o FROM old_rows) x;
	ELSE
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT owner_id, 1 FROM (SELECT owner_id FROM old_rows
		    UNION SELECT owner_id FROM new_rows) o ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT owner_id o FROM old_rows
		    UNION SELECT owner_id FROM new_rows) x;
	END IF;
	RETURN NULL;
END
$fn$;

-- What a resolution decides on besides the connection: the references of
-- the owner's workflows, and who owns a workflow.
CREATE FUNCTION apconn.refs_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		PERFORM pg_notify('apconn_conn', '*');
	ELSIF TG_OP = 'INSERT' THEN
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT DISTINCT owner_id o FROM new_rows) x;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT DISTINCT owner_id o FROM old_rows) x;
	ELSE
		PERFORM pg_notify('apconn_conn', o)
		FROM (SELECT owner_id o FROM old_rows
		    UNION SELECT owner_id FROM new_rows) x;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER refs_notify_insert AFTER INSERT ON apconn.workflow_connection_ref
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.refs_notify();
CREATE TRIGGER refs_notify_update AFTER UPDATE ON apconn.workflow_connection_ref
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.refs_notify();
CREATE TRIGGER refs_notify_delete AFTER DELETE ON apconn.workflow_connection_ref
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.refs_notify();
CREATE TRIGGER refs_notify_truncate AFTER TRUNCATE ON apconn.workflow_connection_ref
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.refs_notify();

CREATE FUNCTION apconn.workflow_owner_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		PERFORM pg_notify('apconn_conn', '*');
		RETURN NULL;
	END IF;
	PERFORM pg_notify('apconn_conn', OLD.user_id);
	IF TG_OP = 'UPDATE' THEN
		PERFORM pg_notify('apconn_conn', NEW.user_id);
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER workflows_owner_notify AFTER UPDATE ON apconn.workflows
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR
	OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION apconn.workflow_owner_notify();
CREATE TRIGGER workflows_owner_notify_delete AFTER DELETE ON apconn.workflows
    FOR EACH ROW EXECUTE FUNCTION apconn.workflow_owner_notify();
CREATE TRIGGER workflows_owner_notify_truncate AFTER TRUNCATE ON apconn.workflows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.workflow_owner_notify();
