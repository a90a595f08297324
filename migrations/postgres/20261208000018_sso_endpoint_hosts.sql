-- Hosts other than the issuer's on which the provider's keys and token
-- endpoint may be (Google's are on googleapis.com), one space between.
-- Discovery refuses any other.
ALTER TABLE sso_providers ADD COLUMN endpoint_hosts TEXT NOT NULL DEFAULT '';
