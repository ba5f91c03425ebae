-- Sign-in (issue 3): local credentials, lockout counting, browser sessions of
-- the sign-in pages, and each org's upstream OpenID Connect provider.
-- Written in the SQL that SQLite and PostgreSQL share; times are fixed-width
-- UTC text (see sqlstore.timeLayout); booleans are 0/1.

-- +goose Up
-- A user's local sign-in secrets. password_hash is an argon2id PHC string
-- (its parameters inside); totp_secret is base32, pending until its first
-- code verifies (totp_confirmed = 1). totp_last_step is the last accepted
-- TOTP time step, so a code is never accepted twice.
CREATE TABLE credentials (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT NOT NULL,
    totp_confirmed  INTEGER NOT NULL,
    totp_last_step  BIGINT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Failed sign-in attempts per account: org and email, whether or not a user
-- has that email, so a missing account behaves like a wrong password.
CREATE TABLE signin_failures (
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    email_norm   TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT,
    PRIMARY KEY (org_id, email_norm)
);

-- Browser sessions of the sign-in pages. Only a SHA-256 of the cookie's
-- random id is stored. user_id is NULL until the person signs in; flow is the
-- JSON of a sign-in in progress (upstream state, a signup's pending secrets).
CREATE TABLE browser_sessions (
    id_hash    TEXT PRIMARY KEY,
    org_id     TEXT REFERENCES orgs (id),
    user_id    TEXT REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    mfa_passed INTEGER NOT NULL,
    amr        TEXT NOT NULL,
    auth_time  TEXT,
    flow       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at   TEXT
);
CREATE INDEX browser_sessions_user ON browser_sessions (user_id);
CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at);

-- The upstream OpenID Connect provider people of an org sign in with (R7).
-- allowed_domains: comma-separated email domains that may sign up on their own.
CREATE TABLE org_identity_providers (
    org_id          TEXT PRIMARY KEY REFERENCES orgs (id),
    display_name    TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- +goose Down
DROP TABLE org_identity_providers;
DROP TABLE browser_sessions;
DROP TABLE signin_failures;
DROP TABLE credentials;
