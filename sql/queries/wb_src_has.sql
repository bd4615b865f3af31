-- (original database) $1 table name: whether public.$1 exists
SELECT to_regclass('public.' || quote_ident($1)) IS NOT NULL
