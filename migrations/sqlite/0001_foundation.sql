-- Mudou foundation schema (SQLite). Times are Unix milliseconds (INTEGER).
-- Keep in step with ../postgres/0001_foundation.sql: same tables, columns and constraints.

CREATE TABLE centres (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    county      TEXT    NOT NULL DEFAULT '',
    province    TEXT    NOT NULL DEFAULT '',
    timezone    TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    created_at  INTEGER NOT NULL
);

CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    username         TEXT    UNIQUE,
    display_name     TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'client', 'lead', 'annotator')),
    centre_id        INTEGER REFERENCES centres(id),
    org_id           INTEGER REFERENCES orgs(id),
    password_hash    TEXT,
    pin_hash         TEXT,
    skill_level      TEXT    CHECK (skill_level IN ('trainee', 'standard', 'expert')),
    photo_url        TEXT,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,
    created_at       INTEGER NOT NULL,
    CHECK ((role IN ('lead', 'annotator')) = (centre_id IS NOT NULL)),
    CHECK ((role = 'client') = (org_id IS NOT NULL)),
    CHECK ((role = 'annotator') = (pin_hash IS NOT NULL)),
    CHECK ((role = 'annotator') OR (password_hash IS NOT NULL AND username IS NOT NULL))
);
CREATE INDEX users_centre ON users(centre_id, role);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE devices (
    id                 INTEGER PRIMARY KEY,
    centre_id          INTEGER NOT NULL REFERENCES centres(id),
    name               TEXT    NOT NULL,
    token_hash         TEXT    NOT NULL UNIQUE,
    enrolled_by        INTEGER NOT NULL REFERENCES users(id),
    created_at         INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    revoked_at         INTEGER,
    fail_window_start  INTEGER NOT NULL DEFAULT 0,
    fail_count         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_centre ON devices(centre_id);

CREATE TABLE device_codes (
    id          INTEGER PRIMARY KEY,
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    code_hash   TEXT    NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    device_id   INTEGER REFERENCES devices(id)
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    device_id     INTEGER REFERENCES devices(id),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    name        TEXT    NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

-- One stored file per content hash; items point at it.
CREATE TABLE blobs (
    sha256        TEXT    PRIMARY KEY,
    mime          TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('image', 'text')),
    sha256       TEXT    REFERENCES blobs(sha256),
    body         TEXT,
    file_name    TEXT    NOT NULL DEFAULT '',
    tag          TEXT    NOT NULL DEFAULT '',
    meta         TEXT    NOT NULL DEFAULT '{}',
    gold         TEXT,
    created_at   INTEGER NOT NULL,
    CHECK ((kind = 'image') = (sha256 IS NOT NULL)),
    CHECK ((kind = 'text') = (body IS NOT NULL))
);
CREATE INDEX items_dataset ON items(dataset_id, id);
CREATE UNIQUE INDEX items_dataset_sha ON items(dataset_id, sha256) WHERE sha256 IS NOT NULL;
