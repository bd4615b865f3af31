-- The refresh sweep backs off per connection: refresh_failures counts the
-- refreshes that failed in a row (not invalid_grant, which makes the
-- connection ERROR), refresh_retry_at is when the sweep may try again (a
-- use always tries).  A client-held state is consumed twice, once by each
-- step: callback_at by its callback, used_at by the upsert carrying it.
ALTER TABLE apconn.app_connection
    ADD COLUMN refresh_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN refresh_retry_at timestamptz;
ALTER TABLE apconn.oauth2_state ADD COLUMN callback_at timestamptz;
