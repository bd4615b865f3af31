-- A change counter per owner of connections: every statement that
-- inserts, updates or deletes connections raises the counter of each
-- owner it touched, in its own transaction.  A reader that sees the same
-- counter as an earlier read, in any later snapshot, knows that none of
-- that owner's connections changed in between (the counter's row lock
-- orders the raises, and a rolled back change rolls back its raise).
-- The workers keep the list pages they answered keyed by it.  No foreign
-- key: deleting a user deletes its connections, whose trigger runs after.
CREATE TABLE apconn.conn_gen (
	owner_id	text PRIMARY KEY,
	gen		bigint NOT NULL
);

CREATE FUNCTION apconn.conn_gen_raise() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE apconn.conn_gen SET gen = gen + 1;
		RETURN NULL;
	END IF;
	-- Owners in one order, so that two statements cannot wait on each
	-- other's counters.
	IF TG_OP = 'INSERT' THEN
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT DISTINCT owner_id, 1 FROM new_rows ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT DISTINCT owner_id, 1 FROM old_rows ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
	ELSE
		INSERT INTO apconn.conn_gen (owner_id, gen)
		SELECT owner_id, 1 FROM (SELECT owner_id FROM old_rows
		    UNION SELECT owner_id FROM new_rows) o ORDER BY 1
		ON CONFLICT (owner_id) DO UPDATE SET gen = apconn.conn_gen.gen + 1;
	END IF;
	RETURN NULL;
END
$fn$;

CREATE TRIGGER conn_gen_insert AFTER INSERT ON apconn.app_connection
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.conn_gen_raise();
CREATE TRIGGER conn_gen_update AFTER UPDATE ON apconn.app_connection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.conn_gen_raise();
CREATE TRIGGER conn_gen_delete AFTER DELETE ON apconn.app_connection
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.conn_gen_raise();
CREATE TRIGGER conn_gen_truncate AFTER TRUNCATE ON apconn.app_connection
    FOR EACH STATEMENT EXECUTE FUNCTION apconn.conn_gen_raise();
