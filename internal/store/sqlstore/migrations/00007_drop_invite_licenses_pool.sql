-- invite_licenses_pool (org_id, product) is a prefix of
-- invite_licenses_reserved (org_id, product, reserved_until), which serves
-- every lookup it served; keeping both cost an index write per reserved
-- license, on every invite of a bulk import.

-- +goose Up
DROP INDEX invite_licenses_pool;

-- +goose Down
CREATE INDEX invite_licenses_pool ON invite_licenses (org_id, product);
