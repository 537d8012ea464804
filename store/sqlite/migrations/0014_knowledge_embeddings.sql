-- knowledge_embeddings keeps each knowledge entry's embedding per embedding
-- model (hub.KnowledgeEmbedding): the model assistant computes them when an
-- entry is new or changed and compares them with a visitor's question.
-- text_hash identifies the text that was embedded, so an edited entry's
-- vector is known to be stale; vector is dims little-endian float32s.
CREATE TABLE knowledge_embeddings (
	entry_id   INTEGER NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
	model      TEXT NOT NULL,
	text_hash  TEXT NOT NULL,
	dims       INTEGER NOT NULL,
	vector     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (entry_id, model)
) STRICT;
