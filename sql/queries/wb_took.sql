-- $1 the original's table, $2 the id of a row just imported from it
INSERT INTO apconn.import_ledger (source_table, source_id)
VALUES ($1, $2) ON CONFLICT DO NOTHING
