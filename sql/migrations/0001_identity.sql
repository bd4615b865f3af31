-- Users and the credentials that authenticate them (DESIGN.md section 4).
-- Tokens are never stored: only the SHA-256 of their secret part.

CREATE TABLE apconn.users (
	id		text PRIMARY KEY,
	email		text,
	name		text,
	image		text,
	is_anonymous	boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON apconn.users (lower(email));

CREATE TABLE apconn.sessions (
	id		text PRIMARY KEY,
	user_id		text NOT NULL REFERENCES apconn.users (id)
			    ON DELETE CASCADE,
	token_hash	bytea NOT NULL CHECK (length(token_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	last_used_at	timestamptz
);
CREATE INDEX sessions_user_id ON apconn.sessions (user_id);

CREATE TABLE apconn.api_keys (
	id		text PRIMARY KEY,
	user_id		text NOT NULL REFERENCES apconn.users (id)
			    ON DELETE CASCADE,
	name		text NOT NULL DEFAULT '',
	token_hash	bytea NOT NULL CHECK (length(token_hash) = 32),
	scopes		text[] NOT NULL CHECK (scopes <@ ARRAY[
			    'connections:read', 'connections:write',
			    'credentials:read', 'workflows:read',
			    'workflows:write', 'executor', 'admin']::text[]),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz,
	revoked_at	timestamptz,
	last_used_at	timestamptz
);
CREATE INDEX api_keys_user_id ON apconn.api_keys (user_id);
