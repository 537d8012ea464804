package hub

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CannedResponse is a reply an agent inserts instead of typing it again.
// Every member of the tenant reads them; owners and admins write them.
type CannedResponse struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenant_id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedBy int64     `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxCannedTitle bounds a canned response's title, in characters.
const MaxCannedTitle = 100

// NewCannedResponse describes a canned response to create.
type NewCannedResponse struct {
	Title string
	Body  string
}

// CannedResponseUpdate changes some fields of a canned response; nil
// fields stay as they are.
type CannedResponseUpdate struct {
	Title *string `json:"title"`
	Body  *string `json:"body"`
}

// validCanned trims and checks a title and a body.
func validCanned(title, body *string) error {
	*title, *body = strings.TrimSpace(*title), strings.TrimSpace(*body)
	switch {
	case *title == "" || utf8.RuneCountInString(*title) > MaxCannedTitle:
		return Errorf(EInvalid, "title must be 1 to %d characters", MaxCannedTitle)
	case *body == "" || len(*body) > MaxBodyBytes || !utf8.ValidString(*body):
		return Errorf(EInvalid, "body must be valid text of 1 to %d bytes", MaxBodyBytes)
	}
	return nil
}

func cannedSubject(id int64) string { return "canned_response:" + strconv.FormatInt(id, 10) }

// findCanned returns a canned response of the actor's tenant; others' are
// ENotFound, never EForbidden, so ids cannot be probed.
func findCanned(ctx context.Context, q Queries, actor Actor, id int64) (*CannedResponse, error) {
	c, err := q.FindCannedResponseByID(ctx, id)
	if err == nil && (!actor.IsMember() || c.TenantID != actor.TenantID) {
		err = Errorf(ENotFound, "canned response not found")
	}
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "canned response not found")
	}
	return c, err
}

// CannedResponses returns the canned responses of the member's tenant, by
// title.
func (s *Service) CannedResponses(ctx context.Context, actor Actor) ([]*CannedResponse, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members read canned responses")
	}
	return s.Store.FindCannedResponses(ctx, actor.TenantID)
}

// CannedResponse returns one canned response of the member's tenant.
func (s *Service) CannedResponse(ctx context.Context, actor Actor, id int64) (*CannedResponse, error) {
	return findCanned(ctx, s.Store, actor, id)
}

// CreateCannedResponse adds a canned response to the actor's tenant;
// owners and admins only. It is audited.
func (s *Service) CreateCannedResponse(ctx context.Context, actor Actor, in NewCannedResponse) (*CannedResponse, error) {
	if err := canManageTeam(actor, actor.TenantID); err != nil {
		return nil, err
	}
	if err := validCanned(&in.Title, &in.Body); err != nil {
		return nil, err
	}
	now := s.now()
	c := &CannedResponse{TenantID: actor.TenantID, Title: in.Title, Body: in.Body, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(q Queries) error {
		if err := q.CreateCannedResponse(ctx, c); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: c.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "canned_response.create", Subject: cannedSubject(c.ID), Data: mustJSON(map[string]any{"title": c.Title}), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCannedResponse changes a canned response of the actor's tenant;
// owners and admins only. It is audited.
func (s *Service) UpdateCannedResponse(ctx context.Context, actor Actor, id int64, in CannedResponseUpdate) (*CannedResponse, error) {
	var c *CannedResponse
	err := s.tx(ctx, func(q Queries) error {
		var err error
		if c, err = findCanned(ctx, q, actor, id); err != nil {
			return err
		}
		if err := canManageTeam(actor, c.TenantID); err != nil {
			return err
		}
		title, body := c.Title, c.Body
		if in.Title != nil {
			title = *in.Title
		}
		if in.Body != nil {
			body = *in.Body
		}
		if err := validCanned(&title, &body); err != nil {
			return err
		}
		c.Title, c.Body, c.UpdatedAt = title, body, s.now()
		if err := q.UpdateCannedResponse(ctx, c); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: c.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "canned_response.update", Subject: cannedSubject(c.ID), Data: mustJSON(map[string]any{"title": c.Title}), CreatedAt: c.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCannedResponse removes a canned response of the actor's tenant;
// owners and admins only. It is audited.
func (s *Service) DeleteCannedResponse(ctx context.Context, actor Actor, id int64) error {
	return s.tx(ctx, func(q Queries) error {
		c, err := findCanned(ctx, q, actor, id)
		if err != nil {
			return err
		}
		if err := canManageTeam(actor, c.TenantID); err != nil {
			return err
		}
		if err := q.DeleteCannedResponse(ctx, c.ID); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: c.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "canned_response.delete", Subject: cannedSubject(c.ID), Data: mustJSON(map[string]any{"title": c.Title}), CreatedAt: s.now()})
	})
}
