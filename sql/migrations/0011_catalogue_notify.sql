-- Workers cache catalogue answers (GET /api/pieces, /api/pieces/{name})
-- and drop them when told the catalogue changed: every statement that
-- changes piece_metadata notifies channel apconn_pieces at commit.
CREATE FUNCTION apconn.notify_pieces() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	PERFORM pg_catalog.pg_notify('apconn_pieces', '');
	RETURN NULL;
END
$fn$;

CREATE TRIGGER piece_metadata_notify
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON apconn.piece_metadata
FOR EACH STATEMENT EXECUTE FUNCTION apconn.notify_pieces();
