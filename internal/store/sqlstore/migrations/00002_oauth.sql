-- The OAuth 2.0 authorization server (internal/authserver, issue 3).
-- Written in the SQL that SQLite and PostgreSQL share; times are
-- fixed-width UTC text, lists are space-separated. Codes and tokens are
-- kept only as SHA-256 hashes.

-- +goose Up
-- Long-lived secrets of the server (the key sealing opaque tokens, the key
-- signing ID tokens): made once by the first server to start, shared by
-- every server on the database.
CREATE TABLE oauth_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Authorization requests (code flow with PKCE), from /oauth/authorize until
-- the code is exchanged; user_id is set once the person has signed in.
CREATE TABLE oauth_auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,
    state                 TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    login_hint            TEXT NOT NULL,
    user_id               TEXT REFERENCES users (id),
    amr                   TEXT NOT NULL,
    auth_time             TEXT,
    code_hash             TEXT UNIQUE,
    code_expires_at       TEXT,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    revoked_at            TEXT
);
CREATE INDEX oauth_auth_requests_user ON oauth_auth_requests (user_id);
CREATE INDEX oauth_auth_requests_expiry ON oauth_auth_requests (expires_at);

-- Device authorizations (RFC 8628). User codes are short, so they are
-- unique and expired rows are purged.
CREATE TABLE oauth_device_requests (
    device_code_hash TEXT PRIMARY KEY,
    user_code        TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    user_id          TEXT REFERENCES users (id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    approved_at      TEXT,
    denied_at        TEXT,
    consumed_at      TEXT
);
CREATE INDEX oauth_device_requests_user ON oauth_device_requests (user_id);
CREATE INDEX oauth_device_requests_expiry ON oauth_device_requests (expires_at);

-- Opaque access tokens: id_hash is the hash of the random id sealed in the
-- token. A family is one sign-in: its access and refresh tokens are revoked
-- together.
CREATE TABLE oauth_access_tokens (
    id_hash    TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX oauth_access_tokens_family ON oauth_access_tokens (family_id);
CREATE INDEX oauth_access_tokens_user ON oauth_access_tokens (user_id);
CREATE INDEX oauth_access_tokens_expiry ON oauth_access_tokens (expires_at);

-- Refresh tokens, rotated on every use: used_at marks a spent one, kept to
-- detect its reuse (RFC 9700).
CREATE TABLE oauth_refresh_tokens (
    hash       TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    scopes     TEXT NOT NULL,
    amr        TEXT NOT NULL,
    auth_time  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
);
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family_id);
CREATE INDEX oauth_refresh_tokens_user ON oauth_refresh_tokens (user_id);
CREATE INDEX oauth_refresh_tokens_expiry ON oauth_refresh_tokens (expires_at);

-- +goose Down
DROP TABLE oauth_refresh_tokens;
DROP TABLE oauth_access_tokens;
DROP TABLE oauth_device_requests;
DROP TABLE oauth_auth_requests;
DROP TABLE oauth_keys;
