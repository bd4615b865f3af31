-- What imports from another system took (the source table and the row's
-- id there), so that a later run never re-creates what apconn has
-- deleted since.  A row a run finds already in apconn is recorded too:
-- rows imported before this table existed join it at the next run.
CREATE TABLE apconn.import_ledger (
	source_table	text NOT NULL,
	source_id	text NOT NULL,
	imported_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (source_table, source_id)
);
