-- Login throttling (issue 24): no stranger can lock an account. Each row counts the failed
-- attempts of one key — a source address (`addr:…`), a typed username (`user:…`), an
-- annotator's account (`acct:…`), an annotator on one device (`pin:DEVICE:USER`), a device
-- (`dev:…`) or a known browser (`known:…`) — and the time before which that key is refused.
-- The accounts' old lock (`users.failed_attempts`, `users.locked_until`) is no longer used.
CREATE TABLE auth_throttle (
    key            TEXT    PRIMARY KEY,
    -- The user the key is about, when known (cleared on success or a new PIN).
    user_id        INTEGER REFERENCES users(id),
    failures       INTEGER NOT NULL,
    blocked_until  INTEGER NOT NULL,
    last_at        INTEGER NOT NULL
);
CREATE INDEX auth_throttle_user ON auth_throttle(user_id) WHERE user_id IS NOT NULL;

-- Browsers where a staff user logged in before (a cookie, stored hashed): from one of them the
-- right password works whatever strangers elsewhere tried against the account.
CREATE TABLE known_browsers (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL
);
CREATE INDEX known_browsers_user ON known_browsers(user_id);

UPDATE users SET failed_attempts = 0, locked_until = NULL;
