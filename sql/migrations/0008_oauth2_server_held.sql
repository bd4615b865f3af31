-- The server-held OAuth2 flow keeps, with the state, what the browser must
-- not see: the PKCE verifier and the client secret, sealed (AAD
-- "oauth2_state:<state hash>").  OAuth apps: a client per piece, its
-- secret sealed (AAD "oauth_app:<piece>").
ALTER TABLE apconn.oauth2_state
    ADD COLUMN flow text NOT NULL DEFAULT 'client'
	CHECK (flow IN ('client', 'server')),
    ADD COLUMN external_id text,
    ADD COLUMN display_name text,
    ADD COLUMN sealed jsonb;

CREATE TABLE apconn.oauth_app (
	piece_name	text PRIMARY KEY,
	client_id	text NOT NULL,
	client_secret	jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
