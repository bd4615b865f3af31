-- The audit is written once per resolution, on the executor's path; two
-- things made each insert cost more than it had to.
--
-- Its key was a random text id, which put each insert on a random leaf of
-- the key's index; a number from a sequence always lands on the rightmost
-- leaf, which PostgreSQL keeps at hand.  The id never left the database;
-- the rows written so far are numbered in their stored order.
--
-- Its source was checked by a CHECK constraint, whose expression the
-- executor reads back from the catalogue at every insert; an enum checks
-- the same four values by a cached lookup.
ALTER TABLE apconn.credential_access_log
    DROP CONSTRAINT credential_access_log_pkey;
ALTER TABLE apconn.credential_access_log DROP COLUMN id;
ALTER TABLE apconn.credential_access_log
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;

CREATE TYPE apconn.credential_source AS ENUM ('dapr_secret', 'database',
    'request_body', 'not_found');
ALTER TABLE apconn.credential_access_log
    DROP CONSTRAINT credential_access_log_source_check,
    ALTER COLUMN source TYPE apconn.credential_source
	USING source::apconn.credential_source;
