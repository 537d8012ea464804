package dashboard

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/hub"
)

// What a staff viewer's request looked at, for the workspace's activity log
// (hub.SupportView): the REST API's read routes, each mapped to a kind of
// page and the id it names. TestSupportViewRoutes checks that every GET
// route under /api/v1 is here, so a new one cannot fall through to "other"
// unnoticed.
var supportViewRoutes = []struct {
	pattern string // as mounted in dashboard.go, without /api/v1
	kind    hub.SupportViewKind
}{
	{"/me", hub.ViewAccount},
	{"/unread", hub.ViewAccount}, // the badges, loaded with the dashboard
	{"/members", hub.ViewTeam},
	{"/invites", hub.ViewTeam},
	{"/tokens", hub.ViewTeam}, // the API tokens, which a viewer is refused: the attempt is logged
	{"/conversations", hub.ViewConversations},
	{"/conversations/:id", hub.ViewConversation},
	{"/conversations/:id/messages", hub.ViewConversation},
	{"/conversations/:id/export", hub.ViewConversation},
	{"/tickets", hub.ViewTickets},
	{"/tickets/:id", hub.ViewTicket},
	{"/sites", hub.ViewSites},
	{"/sites/:site", hub.ViewSite},
	{"/sites/:site/knowledge", hub.ViewKnowledge},
	{"/knowledge/:id", hub.ViewKnowledgeEntry},
	{"/canned-responses", hub.ViewCannedResponses},
	{"/canned-responses/:id", hub.ViewCannedResponse},
	{"/visitors/:id/export", hub.ViewVisitor}, // refused to viewers (hub/visitor_privacy.go)
	{"/reports", hub.ViewReports},
	{"/reports.csv", hub.ViewReports},
	{"/support/access", hub.ViewSupport},
	{"/support/audit", hub.ViewSupport},
	{"/support/tickets", hub.ViewSupport},
	{"/support/tickets/:id", hub.ViewSupport},
	{"/support/tickets/:id/messages", hub.ViewSupport},
	{"/support/reviews/:id", hub.ViewSupport},
	{"/staff/workspaces", hub.ViewOther}, // staff's own console, no workspace's page
	{"/staff/plans", hub.ViewOther},
}

// supportViewOf classifies a request path (with or without its query):
// the route it matches, with the id of its first parameter; ViewOther for
// anything else.
func supportViewOf(path string) hub.SupportView {
	path, _, _ = strings.Cut(path, "?")
	rest, ok := strings.CutPrefix(path, "/api/v1")
	if !ok {
		return hub.SupportView{Kind: hub.ViewOther}
	}
	got := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, r := range supportViewRoutes {
		want := strings.Split(r.pattern, "/")
		if len(want) != len(got) {
			continue
		}
		var id int64
		match := true
		for i, w := range want {
			if strings.HasPrefix(w, ":") {
				n, err := strconv.ParseInt(got[i], 10, 64)
				if err != nil || n <= 0 {
					match = false
					break
				}
				if id == 0 {
					id = n
				}
			} else if w != got[i] {
				match = false
				break
			}
		}
		if match {
			if r.kind == hub.ViewSupport || r.kind == hub.ViewOther {
				id = 0
			}
			return hub.SupportView{Kind: r.kind, ID: id}
		}
	}
	return hub.SupportView{Kind: hub.ViewOther}
}

// legacySupportView classifies what "support.view" entries recorded before
// hub.SupportView: "<METHOD> <path>?<query>" from the REST API, and the
// agent socket's "websocket" and "conversation <id>".
func legacySupportView(what string) hub.SupportView {
	if what == "websocket" {
		return hub.SupportView{Kind: hub.ViewLive}
	}
	if rest, ok := strings.CutPrefix(what, "conversation "); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
			return hub.SupportView{Kind: hub.ViewConversation, ID: id}
		}
	}
	if _, path, ok := strings.Cut(what, " "); ok {
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
		return supportViewOf(path)
	}
	return hub.SupportView{Kind: hub.ViewOther}
}

// readableSupportAudit gives every "support.view" entry the data of
// hub.SupportViewData, classifying the request lines of entries written
// before it, so that the activity log never shows one.
func readableSupportAudit(entries []*hub.AuditEntry) error {
	for _, e := range entries {
		if e.Action != "support.view" {
			continue
		}
		d, legacy, err := hub.SupportViewOf(e.Data)
		if err != nil {
			return err
		}
		if d.Kind != "" {
			continue
		}
		d.SupportView = legacySupportView(legacy)
		if e.Data, err = json.Marshal(d); err != nil {
			return err
		}
	}
	return nil
}
