-- $1 owner: serializes what writes the owner's workflow references (a
-- workflow save) with what relies on their absence (a delete with
-- ifUnreferenced); held until the transaction ends
SELECT pg_advisory_xact_lock(hashtextextended('apconn.refs:' || $1, 0))
