package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parley-chat/parley/dashboard"
	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web/openapi"
	"github.com/parley-chat/parley/widget"
)

// TestMain makes every API test a contract test: each answer to a request
// under /api/v1 that goes through http.DefaultClient (do, doHeaders,
// exchange and the tests that call the client themselves) is checked
// against the OpenAPI document, and a mismatch fails the request.
func TestMain(m *testing.M) {
	http.DefaultClient.Transport = contractTransport{next: http.DefaultTransport}
	os.Exit(m.Run())
}

// contractTransport checks the answers of the REST API against the
// contract (contract.check). It returns the mismatch as the request's
// error, which the calling test reports: a transport has no testing.TB.
type contractTransport struct{ next http.RoundTripper }

func (t contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, openapi.Prefix+"/") || resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c, err := loadContract()
	if err != nil {
		return nil, err
	}

	if err := c.check(req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"), body); err != nil {
		return nil, fmt.Errorf("API contract: %s %s answered %d: %w\nbody: %.600s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	return resp, nil
}

// contract is the OpenAPI document compiled for checking answers.
type contract struct {
	doc map[string]any
	// schemas are compiled on first use, by JSON pointer.
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

const contractURL = "https://parley.invalid/api/v1/openapi.json"

var loadContract = sync.OnceValues(func() (*contract, error) {
	raw, err := openapi.Build("test", widget.Routes(), dashboard.Routes())
	if err != nil {
		return nil, err
	}
	return compileContract(raw)
})

func compileContract(raw []byte) (*contract, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := &contract{compiler: jsonschema.NewCompiler(), schemas: map[string]*jsonschema.Schema{}}
	c.compiler.DefaultDraft(jsonschema.Draft2020)
	c.compiler.AssertFormat()
	if err := c.compiler.AddResource(contractURL, doc); err != nil {
		return nil, err
	}
	c.doc, _ = doc.(map[string]any)
	return c, nil
}

// operation finds the path template and operation of method and path:
// literal segments win over parameters (/support/reviews/preview over
// /support/reviews/{id}).
func (c *contract) operation(method, path string) (string, map[string]any) {
	segs := strings.Split(strings.TrimPrefix(path, openapi.Prefix), "/")
	best, bestParams := "", -1
	paths, _ := c.doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		if _, ok := ops[strings.ToLower(method)]; !ok {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		params, ok := 0, true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				params++
			} else if ts[i] != segs[i] {
				ok = false
				break
			}
		}
		if ok && (bestParams < 0 || params < bestParams) {
			best, bestParams = tmpl, params
		}
	}
	if best == "" {
		return "", nil
	}
	op, _ := paths[best].(map[string]any)[strings.ToLower(method)].(map[string]any)
	return best, op
}

// check validates one answer: its status is one the operation lists (or
// the default problem), its media type the one listed for that status,
// and its JSON body valid against the schema. A path or method outside
// the contract must answer with a problem (404, 405).
func (c *contract) check(method, path string, status int, contentType string, body []byte) error {
	if method == http.MethodHead || method == http.MethodOptions {
		return nil // HEAD has no body; OPTIONS is the SDK's CORS preflight
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	tmpl, op := c.operation(method, path)
	var pointer string
	if op == nil {
		if status < 400 {
			return fmt.Errorf("no route in the contract, yet status %d", status)
		}
		pointer = "#/components/schemas/Problem"
		if mt != "application/problem+json" {
			return fmt.Errorf("media type %q, want application/problem+json", mt)
		}
	} else {
		responses, _ := op["responses"].(map[string]any)
		key := strconv.Itoa(status)
		resp, ok := responses[key].(map[string]any)
		if !ok {
			if status < 400 {
				return fmt.Errorf("status %d is not in the contract of %s %s", status, method, tmpl)
			}
			key, resp = "default", responses["default"].(map[string]any)
		}
		content, _ := resp["content"].(map[string]any)
		if len(content) == 0 {
			if len(body) > 0 {
				return fmt.Errorf("a body, yet the contract of %s %s %s has none", method, tmpl, key)
			}
			return nil
		}
		if _, ok := content[mt]; !ok {
			return fmt.Errorf("media type %q, want one of %v (%s %s %s)", mt, keys(content), method, tmpl, key)
		}
		pointer = "#/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/responses/" + key + "/content/" + escapePointer(mt) + "/schema"
	}
	if !strings.Contains(mt, "json") {
		return nil // text/csv: a string
	}
	sch, err := c.schema(pointer)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("body does not match %s: %v", pointer, err)
	}
	return nil
}

func (c *contract) schema(pointer string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[pointer]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(contractURL + pointer)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", pointer, err)
	}
	c.schemas[pointer] = s
	return s, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// notREST are the routes under no contract, each with why.
var notREST = []struct{ method, path, why string }{
	{"OPTIONS", "/api/v1/sdk/*", "the visitor SDK's CORS preflight, answered for any SDK path"},
}

// TestOpenAPIRoutes fails when a REST route is mounted without an entry
// in the contract or the contract has an entry no route serves. It builds
// the app as serve does (start) and reads Fiber's route table. Only routes
// under /api/v1 are REST: the websockets (/ws/*), files (/files/...), the
// widget's and dashboard's assets and pages, /healthz, /readyz and
// /metrics are not; HEAD routes are the ones Fiber adds for each GET.
func TestOpenAPIRoutes(t *testing.T) {
	cfg, _, err := loadConfig(nil, []string{"PARLEY_DATA_DIR=" + t.TempDir(), "PARLEY_DEMO=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n, err := start(context.Background(), cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	mounted := map[string]bool{}
	for _, r := range n.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, openapi.Prefix+"/") || r.Method == http.MethodHead ||
			slices.ContainsFunc(notREST, func(x struct{ method, path, why string }) bool { return x.method == r.Method && x.path == r.Path }) {
			continue
		}
		mounted[r.Method+" "+r.Path] = true
	}
	c, err := compileContract(n.contract)
	if err != nil {
		t.Fatal(err)
	}
	inContract := map[string]bool{}
	for tmpl, item := range c.doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			inContract[strings.ToUpper(method)+" "+openapi.Prefix+fiberPath(tmpl)] = true
		}
	}
	for r := range mounted {
		if !inContract[r] {
			t.Errorf("%s is mounted but has no entry in the API contract (dashboard.Routes, widget.Routes)", r)
		}
	}
	for r := range inContract {
		if !mounted[r] {
			t.Errorf("%s is in the API contract but no route serves it", r)
		}
	}
	if len(mounted) < 60 {
		t.Fatalf("only %d REST routes mounted: the route table was not read", len(mounted))
	}
}

// fiberPath turns /tickets/{id} into /tickets/:id.
func fiberPath(tmpl string) string {
	segs := strings.Split(tmpl, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = ":" + strings.Trim(s, "{}")
		}
	}
	return strings.Join(segs, "/")
}

// TestOpenAPIServed fetches the contract from a running node: public,
// cacheable, and the same document the checks use.
func TestOpenAPIServed(t *testing.T) {
	n := startNode(t)
	resp, err := http.Get(n.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(doc.OpenAPI, "3.1") || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Fatalf("status %d, openapi %q, cache-control %q", resp.StatusCode, doc.OpenAPI, resp.Header.Get("Cache-Control"))
	}
	if _, ok := doc.Paths["/tickets/{id}"]["patch"]; !ok {
		t.Fatalf("no PATCH /tickets/{id} in %d paths", len(doc.Paths))
	}
}

// TestContractCheck shows the answer check can fail: each wrong answer is
// refused, and what the handlers really encode (a zero ticket, a
// problem) passes.
func TestContractCheck(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := json.Marshal(hub.TicketDetail{Ticket: &hub.Ticket{}}) // its visitor and conversation null
	if err != nil {
		t.Fatal(err)
	}
	problem := `{"type":"about:blank","title":"Not Found","status":404,"detail":"ticket not found","code":"not_found","request_id":"r1"}`
	const js, pj = "application/json", "application/problem+json"
	for _, tc := range []struct {
		name, method, path string
		status             int
		contentType, body  string
		ok                 bool
	}{
		{"a ticket", "GET", "/api/v1/tickets/5", 200, js + "; charset=utf-8", string(ticket), true},
		{"a ticket of the wrong shape", "GET", "/api/v1/tickets/5", 200, js, `{"id":"5","status":"open"}`, false},
		{"a ticket without its required fields", "GET", "/api/v1/tickets/5", 200, js, `{}`, false},
		{"a page whose items are null", "GET", "/api/v1/tickets", 200, js, `{"items":[null]}`, false},
		{"a problem", "GET", "/api/v1/tickets/5", 404, pj, problem, true},
		{"a problem as plain JSON", "GET", "/api/v1/tickets/5", 404, js, problem, false},
		{"a problem with an unknown code", "GET", "/api/v1/tickets/5", 404, pj, strings.Replace(problem, "not_found", "gone", 1), false},
		{"a problem without a code", "GET", "/api/v1/tickets/5", 500, pj, `{"type":"about:blank","title":"x","status":500,"detail":"x"}`, false},
		{"a status the route does not list", "GET", "/api/v1/tickets/5", 302, js, ``, false},
		{"no content with a body", "DELETE", "/api/v1/tokens/1", 204, js, `{}`, false},
		{"no content", "DELETE", "/api/v1/tokens/1", 204, "", ``, true},
		{"a route outside the contract answering 200", "GET", "/api/v1/nowhere", 200, js, `{}`, false},
		{"a route outside the contract answering 404", "GET", "/api/v1/nowhere", 404, pj, problem, true},
		{"the gate's answer", "GET", "/api/v1/sdk/chat/config", 403, js, `{"reason":"origin_not_allowed","detail":"add it"}`, true},
		{"CSV", "GET", "/api/v1/reports.csv", 200, "text/csv; charset=utf-8", "date\n", true},
	} {
		err := c.check(tc.method, tc.path, tc.status, tc.contentType, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: check returned %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
