-- Unread per member (hub/unread.go has the rules; store unread.go keeps
-- these tables in the transactions that change them).
--
-- member_unread has a row for each member and conversation with something
-- unread for the member: unread counts the visitor messages after read_seq,
-- the member's read position. No row: nothing unread. in_tickets and mine
-- say which badges the count is in besides Conversations: the conversation
-- has a current ticket, and that ticket is assigned to the member.
CREATE TABLE member_unread (
	member_id       BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	read_seq        BIGINT NOT NULL,
	unread          INTEGER NOT NULL,
	in_tickets      BOOLEAN NOT NULL,
	mine            BOOLEAN NOT NULL,
	PRIMARY KEY (conversation_id, member_id)
);
-- A conversation's rows are together (the key starts with it): a visitor
-- message updates the whole team's on one page. A member's rows, for
-- their removal.
CREATE INDEX member_unread_member ON member_unread (member_id);

-- Each member's badges, the sums of their rows, and a version that grows
-- with every change of the member's numbers. A member without a row has
-- nothing unread (version 0).
CREATE TABLE member_unread_totals (
	member_id     BIGINT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
	conversations INTEGER NOT NULL,
	tickets       INTEGER NOT NULL,
	my_tickets    INTEGER NOT NULL,
	version       BIGINT NOT NULL
);

-- Until now the team shared one read position per conversation
-- (agent_read_seq, unread_by_agents). Every member starts from it, so that
-- nobody finds a flood of old unread after the upgrade.
INSERT INTO member_unread (member_id, conversation_id, read_seq, unread, in_tickets, mine)
SELECT m.id, c.id, c.agent_read_seq, c.unread_by_agents, c.ticket_id IS NOT NULL, COALESCE(t.assignee_id = m.id, false)
	FROM conversations c
	JOIN members m ON m.tenant_id = c.tenant_id
	LEFT JOIN tickets t ON t.id = c.ticket_id
	WHERE c.unread_by_agents > 0;

INSERT INTO member_unread_totals (member_id, conversations, tickets, my_tickets, version)
SELECT member_id, SUM(unread), COALESCE(SUM(unread) FILTER (WHERE in_tickets), 0),
		COALESCE(SUM(unread) FILTER (WHERE mine), 0), 1
	FROM member_unread GROUP BY member_id;
