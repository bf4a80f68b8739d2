-- API tokens carry scopes and an expiry (issue 24). `scopes` is a space-separated subset of
-- `results:read orders annotate lead admin admin:users`. Tokens made before this get every
-- scope of their owner's role and 90 days from now.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens t SET
    scopes = CASE u.role
                 WHEN 'admin' THEN 'admin admin:users'
                 WHEN 'lead' THEN 'lead'
                 WHEN 'client' THEN 'results:read orders'
                 ELSE 'annotate' END,
    expires_at = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT + 90 * 86400000::BIGINT
FROM users u WHERE u.id = t.user_id;
ALTER TABLE api_tokens ALTER COLUMN scopes DROP DEFAULT;
ALTER TABLE api_tokens ALTER COLUMN expires_at DROP DEFAULT;
