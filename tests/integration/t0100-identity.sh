#!/bin/sh
# Users, API keys and sessions: tokens shown once and stored hashed,
# scopes, expiry, revocation, the session cookie and its Origin rule.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
export APCONN_PUBLIC_URL=http://api.example.test APCONN_APP_URL=https://app.example.test/ui
app_start 2
nginx_start

alice=$(new_user alice@example.com)
check "user create prints a 21-character id" sh -c "echo '$alice' | grep -Eq '^[0-9a-z]{21}$'"
admin user create --email ALICE@example.com >/dev/null 2>&1
check "a second user with the same email (any case) is refused" test $? = 1
again=$(admin user create --email alice@example.com --if-missing)
check "--if-missing returns the existing user" test "$again" = "$alice"
admin user create --name nobody >/dev/null 2>&1
check "user create without --email is a usage error" test $? = 64
check "user list shows the user" sh -c "'$ADMIN' user list | grep -q alice@example.com"

key=$(new_key "$alice" connections:read,connections:write,workflows:*)
check "token create prints an apk_ token" sh -c "echo '$key' | grep -Eq '^apk_[0-9a-z]{21}_[A-Za-z0-9_-]{43}$'"
kid=$(echo "$key" | cut -c5-25)
secret=$(echo "$key" | cut -c27-)
check "the database holds no token secret" \
    sh -c "! pg_dump -d '$DATABASE_URL' | grep -q -- '$secret'"
check "the stored hash is the SHA-256 of the secret" test \
    "$(psql_q "SELECT encode(token_hash, 'hex') FROM apconn.api_keys WHERE id = '$kid'")" = \
    "$(printf %s "$secret" | sha256sum | cut -d' ' -f1)"
admin token create --user "$alice" --scopes connections:read,bogus >/dev/null 2>&1
check "an unknown scope is a usage error" test $? = 64
admin token create --user nobody@example.com --scopes executor >/dev/null 2>&1
check "a token for an unknown user fails" test $? = 1

as "$key" GET /api/user
expect_status 200 "GET /api/user with an API key"
expect_json .id "$alice" "the key authenticates its user"
expect_json .isAnonymous false "a real user is not anonymous"
expect_json '.scopes | join(",")' connections:read,connections:write,workflows:read,workflows:write \
    "workflows:* expands to read and write"
expect_json .authenticatedBy api_key "authenticated by an API key"
check "last use is recorded" test "$(psql_q "SELECT last_used_at IS NOT NULL FROM apconn.api_keys WHERE id = '$kid'")" = t

http GET /api/user
expect_error 401 unauthorized "no credential"
check "401 carries WWW-Authenticate: Bearer" sh -c "grep -qi '^WWW-Authenticate: Bearer' '$TMP/headers'"
for bad in "Basic YWxpY2U6c2VjcmV0" "Bearer" "Bearer " "Bearer garbage" "bearer$key" \
    "Bearer ${key}x" "Bearer apk_${kid}_$(echo "$secret" | tr 'A-Za-z' 'B-ZAb-za')" \
    "Bearer apk_000000000000000000000_$secret" "Bearer aps_${kid}_$secret"; do
	http GET /api/user "" -H "Authorization: $bad"
	expect_error 401 invalid_token "malformed or wrong Authorization '$(echo "$bad" | cut -c1-20)...'"
done

readonly_key=$(new_key "$alice" connections:read)
as "$readonly_key" POST /api/auth/link '{"anonymousToken":"x"}'
expect_error 403 insufficient_scope "a key without the route's scopes"
expect_json .error "Missing scope: connections:write" "the 403 names the missing scope"

admin token revoke "$readonly_key" >/dev/null
check "token revoke accepts the token itself" test $? = 0
as "$readonly_key" GET /api/user
expect_error 401 token_revoked "a revoked key"
admin token revoke "$kid" >/dev/null
as "$key" GET /api/user
expect_error 401 token_revoked "a key revoked by id"
admin token revoke 000000000000000000000 >/dev/null 2>&1
check "revoking an unknown key fails" test $? = 1
check "token list shows both keys revoked" test "$(admin token list --user "$alice" | grep -c revoked)" = 2

exp_key=$(admin token create --user "$alice" --scopes connections:read --expires-days 1)
as "$exp_key" GET /api/user
expect_status 200 "an unexpired key"
psql_q "UPDATE apconn.api_keys SET expires_at = now() - interval '1 second' WHERE id = '$(echo "$exp_key" | cut -c5-25)'" >/dev/null
as "$exp_key" GET /api/user
expect_error 401 token_expired "an expired key"

# Anonymous sessions and the cookie.
http POST /api/auth/anonymous "" -H "Origin: https://evil.example"
expect_error 403 origin_mismatch "an anonymous sign-up from another site's page"
http POST /api/auth/anonymous
expect_status 201 "POST /api/auth/anonymous"
expect_json .user.isAnonymous true "the new user is anonymous"
anon=$(jq -r .token "$TMP/body")
anon_id=$(jq -r .user.id "$TMP/body")
check "the session token is an aps_ token" sh -c "echo '$anon' | grep -Eq '^aps_[0-9a-z]{21}_[A-Za-z0-9_-]{43}$'"
cookie=$(header Set-Cookie)
check "the session cookie carries the token" sh -c "echo '$cookie' | grep -q '^apconn_session=$anon;'"
for attr in HttpOnly Secure "SameSite=Lax" "Path=/" "Max-Age=2592000"; do
	check "the session cookie is $attr" sh -c "echo '$cookie' | grep -q '; $attr'"
done

http GET /api/user "" -H "Cookie: other=1; apconn_session=$anon; x=y"
expect_status 200 "the cookie authenticates"
expect_json .id "$anon_id" "the cookie names the anonymous user"
expect_json .authenticatedBy session "authenticated by a session"
http GET /api/user "" -H "Cookie: apconn_session=$key"
expect_error 401 invalid_token "an API key in the session cookie is refused"

http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon"
expect_error 403 origin_mismatch "a cookie POST without Origin"
http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon" -H "Origin: https://evil.example"
expect_error 403 origin_mismatch "a cookie POST from another origin"
http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon" -H "Origin: http://api.example.test.evil"
expect_error 403 origin_mismatch "a cookie POST from a look-alike origin"
http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon" -H "Origin: https://app.example.test:8443"
expect_error 403 origin_mismatch "a cookie POST from another port of the same host"
http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon" -H "Origin: null"
expect_error 403 origin_mismatch "a cookie POST from an opaque origin"
http POST /api/auth/logout "" -H "Cookie: apconn_session=$anon" -H "Origin: HTTPS://App.Example.test:443"
expect_status 200 "a cookie POST from APCONN_APP_URL's origin, its default port written, in capitals"
check "logout clears the cookie" sh -c "grep -qi '^Set-Cookie: apconn_session=;.*Max-Age=0' '$TMP/headers'"
http GET /api/user "" -H "Cookie: apconn_session=$anon"
expect_error 401 token_revoked "a signed-out session"

http POST /api/auth/anonymous
anon2=$(jq -r .token "$TMP/body")
as "$anon2" POST /api/auth/logout
expect_status 200 "a Bearer session needs no Origin"
psql_q "UPDATE apconn.sessions SET expires_at = now() - interval '1 second'" >/dev/null
as "$anon2" GET /api/user
check "an expired session is refused" test "$STATUS" = 401

done_testing
