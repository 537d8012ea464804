-- Each site's version (hub.Site.Version): incremented by every change of
-- the site (UpdateSite) and of its workspace's plan (TouchSites), so that
-- the realtime nodes, which keep each site's gate in memory and hear every
-- change through the broker (hub.EventSiteGate), keep the newest one.
ALTER TABLE sites ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
