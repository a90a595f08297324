-- Keep a person's team and roles in step with the provider's mapping at
-- every sign-in, not only when the person is created.
ALTER TABLE sso_providers ADD COLUMN sync_mapping INTEGER NOT NULL DEFAULT 0 CHECK (sync_mapping IN (0, 1));
