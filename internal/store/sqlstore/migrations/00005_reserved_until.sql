-- R4 counts reserved licenses on every claim. Counting them through a join
-- with every invite ever sent grew with history (a 10,000-row import slowed
-- as it went); invite_licenses now carries reserved_until, the invite's
-- expiry while it is pending and NULL once it is not, so the count reads one
-- index range of the live reservations only.

-- +goose Up
ALTER TABLE invite_licenses ADD COLUMN reserved_until TEXT;
UPDATE invite_licenses SET reserved_until =
    (SELECT i.expires_at FROM invites i WHERE i.id = invite_licenses.invite_id AND i.status = 'pending');
CREATE INDEX invite_licenses_reserved ON invite_licenses (org_id, product, reserved_until);

-- +goose Down
DROP INDEX invite_licenses_reserved;
ALTER TABLE invite_licenses DROP COLUMN reserved_until;
