-- API tokens carry scopes and an expiry (issue 24). `scopes` is a space-separated subset of
-- `results:read orders annotate lead admin admin:users`. Tokens made before this get every
-- scope of their owner's role and 90 days from now.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET
    scopes = (SELECT CASE u.role
                  WHEN 'admin' THEN 'admin admin:users'
                  WHEN 'lead' THEN 'lead'
                  WHEN 'client' THEN 'results:read orders'
                  ELSE 'annotate' END
              FROM users u WHERE u.id = api_tokens.user_id),
    expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 90 * 86400000;
