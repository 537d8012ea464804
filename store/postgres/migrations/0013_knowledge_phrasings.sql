-- Knowledge entries gain a language, phrasings ("also asked as", a JSON
-- array of strings) and a translation link (hub.KnowledgeEntry); sites gain
-- their own synonym groups (hub.Site.Synonyms, a JSON array of arrays) and
-- a knowledge version (hub.Site.KnowledgeVersion), incremented by every
-- write of the site's entries and by a change of its synonyms, so that the
-- assistants rebuild their index of a site only when it changed.
ALTER TABLE knowledge_entries
	ADD COLUMN language TEXT NOT NULL DEFAULT 'en',
	ADD COLUMN phrasings JSONB NOT NULL DEFAULT '[]',
	-- Deleting an original leaves its translations as originals.
	ADD COLUMN translation_of BIGINT REFERENCES knowledge_entries (id) ON DELETE SET NULL;
CREATE INDEX knowledge_entries_translation_of ON knowledge_entries (translation_of)
	WHERE translation_of IS NOT NULL;

-- Existing entries: Russian when the title has a Cyrillic letter, else
-- English (the same rule as SQLite's 0013; the hub detects the language of
-- new entries, and of edited ones when asked, with hub.DetectLanguage).
UPDATE knowledge_entries SET language = 'ru' WHERE title ~ '[А-яЁё]';

ALTER TABLE sites
	ADD COLUMN synonyms JSONB NOT NULL DEFAULT '[]',
	ADD COLUMN knowledge_version BIGINT NOT NULL DEFAULT 1;
