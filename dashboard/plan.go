package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Plans (hub/plan.go): what GET /me tells of the workspace's plan and of
// the plans there are, and the staff's list of workspaces with the plan of
// each.

// workspaceView is the workspace part of GET /me: its plan and the
// features the plan includes, for the "locked" displays.
type workspaceView struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Plan     string   `json:"plan"`
	Features []string `json:"features"`
}

func viewWorkspace(t *hub.Tenant) workspaceView {
	return workspaceView{ID: t.ID, Name: t.Name, Plan: t.Plan, Features: t.Features()}
}

// planView is one of hub.Plans as GET /me lists them, smallest first: the
// dashboard names the plans a locked feature needs from these, and offers
// staff these, so that it keeps no table of plans of its own.
type planView struct {
	Plan     string   `json:"plan"`
	Name     string   `json:"name"`
	Features []string `json:"features"`
}

func viewPlans() []planView {
	out := make([]planView, len(hub.Plans))
	for i, p := range hub.Plans {
		out[i] = planView{Plan: p, Name: hub.PlanName(p), Features: hub.PlanFeatures(p)}
	}
	return out
}

// listPlans answers GET /staff/plans?before=<id>: the customers'
// workspaces with their plans, newest first (staff only).
func (h *handler) listPlans(c *fiber.Ctx) error {
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	ws, err := h.svc.Workspaces(c.UserContext(), actor(c), before)
	if err != nil {
		return err
	}
	return c.JSON(idPage(ws, hub.WorkspacePage, func(w hub.Workspace) int64 { return w.ID }))
}

type planRequest struct {
	Plan string `json:"plan"`
}

// setPlan answers PUT /staff/workspaces/:id/plan {plan} (staff only).
func (h *handler) setPlan(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req planRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.svc.SetPlan(c.UserContext(), actor(c), id, req.Plan)
	if err != nil {
		return err
	}
	return c.JSON(hub.Workspace{ID: t.ID, Name: t.Name, Plan: t.Plan})
}
