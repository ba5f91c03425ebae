-- The first schema. Written in the SQL that SQLite and PostgreSQL share.
-- Times are fixed-width UTC text (see sqlstore.timeLayout); booleans are 0/1.

-- +goose Up
CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    auto_signup INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE license_pools (
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    product TEXT NOT NULL,
    name    TEXT NOT NULL,
    total   INTEGER NOT NULL CHECK (total >= 0),
    PRIMARY KEY (org_id, product)
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    email_norm      TEXT NOT NULL,
    name_norm       TEXT NOT NULL,
    roles           TEXT NOT NULL,
    active          INTEGER NOT NULL,
    call_recording  INTEGER NOT NULL,
    mfa_enrolled    INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_sign_in_at TEXT,
    version         INTEGER NOT NULL,
    UNIQUE (org_id, email_norm)
);

CREATE TABLE user_licenses (
    org_id  TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    product TEXT NOT NULL,
    PRIMARY KEY (user_id, product),
    FOREIGN KEY (org_id, product) REFERENCES license_pools (org_id, product)
);
CREATE INDEX user_licenses_pool ON user_licenses (org_id, product);

CREATE TABLE invites (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    email_norm      TEXT NOT NULL,
    roles           TEXT NOT NULL,
    status          TEXT NOT NULL,
    token_hash      TEXT UNIQUE,
    idempotency_key TEXT,
    invited_by      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- One pending invite per email and org: the database's own guard of R1.
CREATE UNIQUE INDEX invites_pending_email ON invites (org_id, email_norm) WHERE status = 'pending';
CREATE UNIQUE INDEX invites_idempotency ON invites (org_id, idempotency_key);
CREATE INDEX invites_org ON invites (org_id, id);

CREATE TABLE invite_licenses (
    org_id    TEXT NOT NULL,
    invite_id TEXT NOT NULL REFERENCES invites (id),
    product   TEXT NOT NULL,
    PRIMARY KEY (invite_id, product),
    FOREIGN KEY (org_id, product) REFERENCES license_pools (org_id, product)
);
CREATE INDEX invite_licenses_pool ON invite_licenses (org_id, product);

CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    name            TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    hash            TEXT NOT NULL UNIQUE,
    idempotency_key TEXT,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT,
    UNIQUE (org_id, user_id, idempotency_key)
);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT NOT NULL
);
CREATE INDEX audit_events_org ON audit_events (org_id, id);

-- The transactional outbox: written with the change that causes the mail,
-- sent later (issue 5). sent_at stays NULL until delivered.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- +goose Down
DROP TABLE outbox;
DROP TABLE audit_events;
DROP TABLE api_tokens;
DROP TABLE invite_licenses;
DROP TABLE invites;
DROP TABLE user_licenses;
DROP TABLE users;
DROP TABLE license_pools;
DROP TABLE orgs;
