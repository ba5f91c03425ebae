-- A user signed in through the org's identity provider is bound to that
-- provider account (issuer, subject) at the first sign-in; an email alone
-- never again decides who someone is (a provider account whose email changes
-- to another person's cannot take that person's account over).

-- +goose Up
CREATE TABLE upstream_links (
    org_id    TEXT NOT NULL REFERENCES orgs (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    issuer    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (org_id, issuer, subject),
    UNIQUE (user_id, issuer)
);

-- +goose Down
DROP TABLE upstream_links;
