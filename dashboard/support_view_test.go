package dashboard

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// TestSupportViewRoutes: every read route of the API a staff viewer can
// call is classified, so the activity log never says "other" (or worse, a
// request line) for a page of the dashboard.
func TestSupportViewRoutes(t *testing.T) {
	app := fiber.New()
	Mount(app, Config{BaseURL: "https://hub.test"})
	listed := map[string]bool{}
	for _, r := range supportViewRoutes {
		listed[r.pattern] = true
	}
	seen := 0
	for _, r := range app.GetRoutes(true) {
		rest, ok := strings.CutPrefix(r.Path, "/api/v1/")
		if r.Method != fiber.MethodGet || !ok || strings.HasPrefix(rest, "auth/") {
			continue // outside the session: no staff viewer gets there
		}
		seen++
		pattern := "/" + rest
		if !listed[pattern] {
			t.Errorf("GET %s is not in supportViewRoutes", r.Path)
		}
		path := r.Path
		for _, p := range r.Params {
			path = strings.Replace(path, ":"+p, "7", 1)
		}
		v := supportViewOf(path)
		if v.Kind == hub.ViewOther && !strings.HasPrefix(pattern, "/staff/") {
			t.Errorf("GET %s is classified as other", path)
		}
		if strings.Contains(r.Path, ":") && v.Kind != hub.ViewSupport && v.Kind != hub.ViewOther && v.ID != 7 {
			t.Errorf("GET %s: id %d, want 7", path, v.ID)
		}
	}
	if seen < 20 {
		t.Fatalf("only %d GET routes under /api/v1: is the app mounted?", seen)
	}
}

func TestSupportViewOf(t *testing.T) {
	for path, want := range map[string]hub.SupportView{
		"/api/v1/conversations":                      {Kind: hub.ViewConversations},
		"/api/v1/conversations?site=3&feedback=down": {Kind: hub.ViewConversations},
		"/api/v1/conversations/22":                   {Kind: hub.ViewConversation, ID: 22},
		"/api/v1/conversations/22/messages":          {Kind: hub.ViewConversation, ID: 22},
		"/api/v1/tickets/5":                          {Kind: hub.ViewTicket, ID: 5},
		"/api/v1/sites/3/knowledge":                  {Kind: hub.ViewKnowledge, ID: 3},
		"/api/v1/knowledge/12":                       {Kind: hub.ViewKnowledgeEntry, ID: 12},
		"/api/v1/reports.csv":                        {Kind: hub.ViewReports},
		"/api/v1/support/tickets/9":                  {Kind: hub.ViewSupport},
		"/api/v1/me":                                 {Kind: hub.ViewAccount},
		"/api/v1/conversations/abc":                  {Kind: hub.ViewOther},
		"/api/v1/conversations/-1":                   {Kind: hub.ViewOther},
		"/api/v1/nothing/here":                       {Kind: hub.ViewOther},
		"/widget.js":                                 {Kind: hub.ViewOther},
	} {
		if got := supportViewOf(path); got != want {
			t.Errorf("supportViewOf(%q) = %+v, want %+v", path, got, want)
		}
	}
}

// TestReadableSupportAudit: entries written before hub.SupportView (a
// request line, "websocket", "conversation <id>") are read as views, and
// their request line is gone from what the activity log gets.
func TestReadableSupportAudit(t *testing.T) {
	entry := func(action, data string) *hub.AuditEntry {
		return &hub.AuditEntry{Action: action, Data: json.RawMessage(data)}
	}
	entries := []*hub.AuditEntry{
		entry("support.view", `{"what":"GET /api/v1/conversations/22?x=1","staff":"Sam","email":"sam@p.test"}`),
		entry("support.view", `{"what":"websocket","staff":"Sam","email":"sam@p.test"}`),
		entry("support.view", `{"what":"conversation 31","staff":"Sam","email":"sam@p.test"}`),
		entry("support.view", `{"what":"GET /api/v1/tickets","staff":"Sam","email":"sam@p.test"}`),
		entry("support.view", `{"what":"something odd","staff":"Sam","email":"sam@p.test"}`),
		entry("support.view", `{"view":"ticket","id":4,"staff":"Sam","email":"sam@p.test"}`),
		entry("support.access", `{"open":true}`),
	}
	if err := readableSupportAudit(entries); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"view":"conversation","id":22,"staff":"Sam","email":"sam@p.test"}`,
		`{"view":"live","staff":"Sam","email":"sam@p.test"}`,
		`{"view":"conversation","id":31,"staff":"Sam","email":"sam@p.test"}`,
		`{"view":"tickets","staff":"Sam","email":"sam@p.test"}`,
		`{"view":"other","staff":"Sam","email":"sam@p.test"}`,
		`{"view":"ticket","id":4,"staff":"Sam","email":"sam@p.test"}`,
		`{"open":true}`,
	}
	for i, e := range entries {
		if string(e.Data) != want[i] {
			t.Errorf("entry %d: %s, want %s", i, e.Data, want[i])
		}
	}
}
