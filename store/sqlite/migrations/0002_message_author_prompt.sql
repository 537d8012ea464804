-- author_name is the agent's display name when the message was written, so
-- the visitor's thread keeps it even after the member is renamed or removed.
ALTER TABLE messages ADD COLUMN author_name TEXT NOT NULL DEFAULT '';
-- prompt asks the visitor for something the widget renders as a step:
-- '' or 'email'.
ALTER TABLE messages ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
