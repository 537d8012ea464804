package openapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

type item struct {
	ID       int64     `json:"id"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at"`
	Parent   *part     `json:"parent"`
	Children []part    `json:"children"`
}

type part struct {
	Name string `json:"name"`
}

type selfEncoding struct{ X int }

func (selfEncoding) MarshalJSON() ([]byte, error) { return []byte(`"x"`), nil }

func build(t *testing.T, routes ...Route) map[string]any {
	t.Helper()
	raw, err := Build("test", routes)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestBuild(t *testing.T) {
	doc := build(t,
		Route{Method: "GET", Path: "/api/v1/items/:id", Auth: AuthMember, Response: item{}},
		Route{Method: "POST", Path: "/api/v1/items", Auth: AuthMember, Request: item{}, Status: 201, Response: item{}})
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	op := doc["paths"].(map[string]any)["/items/{id}"].(map[string]any)["get"].(map[string]any)
	responses := op["responses"].(map[string]any)
	for _, status := range []string{"200", "400", "401", "403", "404", "409", "429", "default"} {
		if _, ok := responses[status]; !ok {
			t.Errorf("GET /items/{id} has no %s answer", status)
		}
	}
	if d := responses["404"].(map[string]any)["description"]; !strings.Contains(d.(string), `"not_found"`) {
		t.Errorf("404 says %q, not its code", d)
	}
	if p := op["parameters"].([]any)[0].(map[string]any); p["name"] != "id" || p["in"] != "path" {
		t.Errorf("path parameter %v", p)
	}
	if sec := op["security"].([]any); len(sec) != 2 {
		t.Errorf("security %v, want the cookie or a bearer token", sec)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	s := schemas["Item"].(map[string]any)
	var required []string
	for _, r := range s["required"].([]any) {
		required = append(required, r.(string))
	}
	slices.Sort(required)
	if want := []string{"at", "children", "id", "parent"}; !slices.Equal(required, want) {
		t.Errorf("required %v, want %v (all but the omitempty field)", required, want)
	}
	parent, _ := json.Marshal(s["properties"].(map[string]any)["parent"])
	if !strings.Contains(string(parent), `"anyOf"`) || !strings.Contains(string(parent), `"null"`) || strings.Contains(string(parent), `"type":"object"`) {
		t.Errorf("a nil pointer's schema is %s, want anyOf null or the ref", parent)
	}
	if _, ok := schemas["Problem"]; !ok {
		t.Error("no Problem schema")
	}
	// The request is inline and requires nothing; the answer's part
	// requires its name.
	body, _ := json.Marshal(doc["paths"].(map[string]any)["/items"].(map[string]any)["post"].(map[string]any)["requestBody"])
	if strings.Contains(string(body), `"$ref"`) || strings.Contains(string(body), `"required"`) {
		t.Errorf("request body %s, want it inline and without required fields", body)
	}
	if r, _ := json.Marshal(schemas["Part"].(map[string]any)["required"]); string(r) != `["name"]` {
		t.Errorf("Part requires %s, want [\"name\"]", r)
	}
}

func TestBuildRefusesSelfEncodingTypes(t *testing.T) {
	_, err := Build("test", []Route{{Method: "GET", Path: "/api/v1/x", Response: struct {
		S selfEncoding `json:"s"`
	}{}}})
	if err == nil || !strings.Contains(err.Error(), "MarshalJSON") {
		t.Fatalf("Build returned %v, want a refusal of the type with its own MarshalJSON", err)
	}
}

func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/tickets/:id":                "/tickets/{id}",
		"/api/v1/staff/workspaces/:id/plan":  "/staff/workspaces/{id}/plan",
		"/api/v1/reports.csv":                "/reports.csv",
		"/api/v1/auth/invites/:token/accept": "/auth/invites/{token}/accept",
	} {
		if got := (Route{Path: in}).OpenAPIPath(); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
