-- OAuth2 authorization states: random, stored only as their SHA-256,
-- bound to the user and piece that started them, ten minutes, one use.
CREATE TABLE apconn.oauth2_state (
	state_hash	text PRIMARY KEY CHECK (length(state_hash) = 64),
	user_id		text NOT NULL REFERENCES apconn.users (id)
			    ON DELETE CASCADE,
	piece_name	text NOT NULL,
	piece_version	text,
	redirect_url	text NOT NULL,
	client_id	text NOT NULL,
	pkce		boolean NOT NULL,
	props		jsonb,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
	used_at		timestamptz
);
CREATE INDEX oauth2_state_expires ON apconn.oauth2_state (expires_at);
