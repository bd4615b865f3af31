-- A browser session made from an API key (POST /api/auth/session) keeps
-- the key's scopes and ends when the key is revoked or expires: the
-- session row names its key, and authentication reads both.
ALTER TABLE apconn.sessions ADD COLUMN api_key_id text
    REFERENCES apconn.api_keys (id) ON DELETE CASCADE;
CREATE INDEX sessions_api_key_id ON apconn.sessions (api_key_id)
    WHERE api_key_id IS NOT NULL;
