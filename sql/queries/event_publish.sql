-- $1 at most this many: publishes the visible unpublished events and
-- creates their deliveries (apconn.events_publish, migration 0022);
-- answers how many
SELECT apconn.events_publish($1::int)
