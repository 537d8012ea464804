// Package openapi builds Parley's REST contract, an OpenAPI 3.1 document,
// from the route tables the widget and dashboard packages keep beside
// their handlers: the schemas are reflected (swaggest/openapi-go) from the
// same Go types the handlers decode and encode, so a field renamed in Go
// is renamed in the contract. TestOpenAPIRoutes (cmd/parley) fails when a
// mounted route has no entry or an entry no route; the API tests validate
// every answer under /api/v1 against the document (docs/architecture.md
// "The API contract").
package openapi

import (
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Prefix is where the REST API is mounted; the document's paths are
// relative to it (its one server).
const Prefix = "/api/v1"

// Auth says which credentials a route takes.
type Auth int

const (
	// AuthNone: anyone may call the route.
	AuthNone Auth = iota
	// AuthMember: a member's session, as the parley_session cookie or a
	// bearer token, or a workspace API token as a bearer token
	// (dashboard.authenticate).
	AuthMember
	// AuthVisitor: a visitor token (POST /sdk/visitors) as a bearer token.
	AuthVisitor
)

// Security scheme names in the document.
const (
	SchemeCookie  = "session_cookie"
	SchemeBearer  = "bearer"
	SchemeVisitor = "visitor_token"
)

// Route is one REST route's entry in the contract.
type Route struct {
	// Method and Path are as mounted in Fiber: "GET",
	// "/api/v1/tickets/:id".
	Method, Path string
	Summary      string
	Auth         Auth
	// Request is a value of the JSON body's type; nil when the route takes
	// no JSON body.
	Request any
	// Upload marks a multipart/form-data body (web.ReadUpload's fields).
	Upload bool
	// Status is the success status, 200 when zero.
	Status int
	// Response is a value of the JSON type answered with Status; nil with
	// 204 or when ContentType is set.
	Response any
	// ContentType is the media type of a success answer that is not JSON
	// (text/csv); its body is described as a string.
	ContentType string
	// Answers are other statuses answered with a JSON body that is not a
	// problem (the widget's gate answers), by status.
	Answers map[int]any
}

// OpenAPIPath returns the route's path in OpenAPI form, relative to
// Prefix: "/tickets/{id}".
func (r Route) OpenAPIPath() string {
	parts := strings.Split(strings.TrimPrefix(r.Path, Prefix), "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + strings.TrimPrefix(p, ":") + "}"
		}
	}
	return strings.Join(parts, "/")
}

func (r Route) pathParams() []string {
	var names []string
	for _, p := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(p, ":") {
			names = append(names, strings.TrimPrefix(p, ":"))
		}
	}
	return names
}

// defNames names schemas after their Go types without the package
// ("Ticket", "SiteView", "TicketPage"), keeping the reflector's longer name
// when two types would share one.
func defNames() func(reflect.Type, string) string {
	owner := map[string]reflect.Type{}
	mapped := map[reflect.Type]bool{}
	for _, m := range wireTypes {
		mapped[reflect.TypeOf(m.src)] = true
	}
	return func(t reflect.Type, name string) string {
		if mapped[t] {
			return name // its wire form takes the short name
		}
		short := shortName(t)
		if short == "" {
			return name
		}
		if o, ok := owner[short]; ok && o != t {
			return name
		}
		owner[short] = t
		return short
	}
}

func shortName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeOf(web.Problem{}):
		return "Problem"
	case reflect.TypeOf(ticketWire{}):
		return "Ticket"
	case reflect.TypeOf(ticketDetailWire{}):
		return "TicketDetail"
	}
	n := t.Name()
	if strings.HasPrefix(n, "page[") && t.Kind() == reflect.Struct && t.NumField() > 0 && t.Field(0).Type.Kind() == reflect.Slice {
		if elem := shortName(t.Field(0).Type.Elem()); elem != "" {
			return elem + "Page"
		}
		return ""
	}
	if n == "" || strings.ContainsAny(n, "[]") {
		return ""
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// errorCodes are the problem answers every route lists, each at its
// status in hub.ErrorStatus. Which of them a given route gives is in
// docs/api.md; the contract states the shape, and the default answer
// covers any other status (500 internal, 503 unavailable).
var errorCodes = []string{hub.EInvalid, hub.EUnauthorized, hub.EForbidden, hub.ENotFound, hub.EConflict, hub.ERateLimited}

// Self is the contract's entry for the document itself.
var Self = Route{Method: http.MethodGet, Path: Prefix + "/openapi.json", Summary: "This document",
	Auth: AuthNone, Response: map[string]any{}}

// Handler serves doc, the document Build returned, at Self's path: the
// same bytes for the life of the process, so clients may cache them.
func Handler(doc []byte) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc)
	}
}

// Build returns the contract of routes as JSON.
func Build(version string, routes ...[]Route) ([]byte, error) {
	r := openapi31.NewReflector()
	r.DefaultOptions = append(r.DefaultOptions,
		jsonschema.InterceptProp(requireAlwaysEncoded),
		// A nil pointer to a struct encodes as null: anyOf null or the ref.
		func(rc *jsonschema.ReflectContext) { rc.EnvelopNullability = true },
		jsonschema.InterceptDefName(defNames()),
		jsonschema.InterceptSchema(refuseMarshalers),
		jsonschema.InterceptSchema(inlineRequests))
	for _, m := range wireTypes {
		r.AddTypeMapping(m.src, m.dst)
	}
	s := r.SpecEns()
	s.Info.WithTitle("Parley REST API").WithVersion(version).
		WithDescription("The dashboard's member API and the visitor SDK's API. Errors are RFC 9457 problem bodies " +
			"(application/problem+json) whose code is one of Parley's error codes; see docs/api.md.")
	s.WithServers(openapi31.Server{URL: Prefix})
	s.SetAPIKeySecurity(SchemeCookie, "parley_session", openapi.InCookie,
		"The dashboard's session cookie (POST /auth/login). Requests that change state must come from the dashboard's origin.")
	s.SetHTTPBearerTokenSecurity(SchemeBearer, "",
		"A member's session token (POST /auth/login) or a workspace API token (POST /tokens); a read-scope API token may only read.")
	s.SetHTTPBearerTokenSecurity(SchemeVisitor, "", "A visitor token (POST /sdk/visitors).")

	for _, table := range append(routes, []Route{Self}) {
		for _, rt := range table {
			if err := add(r, rt); err != nil {
				return nil, err
			}
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return finish(raw)
}

// finish adds to every operation the default answer, a problem for any
// status not listed (500 internal, 503 unavailable, 413 and 405 invalid),
// and names the error code of each listed problem status.
func finish(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	codes := map[string]string{}
	for _, code := range errorCodes {
		codes[fmt.Sprint(hub.ErrorStatus(code))] = code
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			o, _ := op.(map[string]any)
			responses, _ := o["responses"].(map[string]any)
			for status, resp := range responses {
				r, _ := resp.(map[string]any)
				content, _ := r["content"].(map[string]any)
				if _, ok := content[problemType]; ok && codes[status] != "" {
					r["description"] = fmt.Sprintf("%s: a problem whose code is %q", r["description"], codes[status])
				}
			}
			responses["default"] = map[string]any{
				"description": "Any other failure: a problem whose code says which (hub.ErrorStatus)",
				"content":     map[string]any{problemType: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
			}
		}
	}
	dropRefTypes(doc)
	return json.MarshalIndent(doc, "", "  ")
}

// dropRefTypes removes the "type" the reflector writes beside "$ref" and
// "anyOf": beside anyOf [null, $ref] it would refuse the null.
func dropRefTypes(v any) {
	switch v := v.(type) {
	case map[string]any:
		_, ref := v["$ref"]
		_, anyOf := v["anyOf"]
		if _, ok := v["type"].(string); ok && (ref || anyOf) {
			delete(v, "type")
		}
		for _, x := range v {
			dropRefTypes(x)
		}
	case []any:
		for _, x := range v {
			dropRefTypes(x)
		}
	}
}

// problemType is the media type of error answers (web.WriteError).
const problemType = "application/problem+json"

func add(r *openapi31.Reflector, rt Route) error {
	oc, err := r.NewOperationContext(rt.Method, rt.OpenAPIPath())
	if err != nil {
		return err
	}
	oc.SetSummary(rt.Summary)
	oc.SetID(operationID(rt))
	if params := rt.pathParams(); len(params) > 0 {
		fields := make([]reflect.StructField, len(params))
		for i, p := range params {
			fields[i] = reflect.StructField{Name: "P" + fmt.Sprint(i), Type: reflect.TypeOf(""),
				Tag: reflect.StructTag(fmt.Sprintf(`path:%q`, p))}
		}
		oc.AddReqStructure(reflect.New(reflect.StructOf(fields)).Elem().Interface())
	}
	if rt.Request != nil {
		oc.AddReqStructure(rt.Request, openapi.WithContentType("application/json"))
	}
	if rt.Upload {
		oc.AddReqStructure(upload{}, openapi.WithContentType("multipart/form-data"))
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case rt.ContentType != "":
		oc.AddRespStructure("", openapi.WithHTTPStatus(status), openapi.WithContentType(rt.ContentType))
	case rt.Response != nil:
		oc.AddRespStructure(rt.Response, openapi.WithHTTPStatus(status))
	default:
		oc.AddRespStructure(nil, openapi.WithHTTPStatus(status))
	}
	for st, body := range rt.Answers {
		oc.AddRespStructure(body, openapi.WithHTTPStatus(st))
	}
	for _, code := range errorCodes {
		st := hub.ErrorStatus(code)
		if _, ok := rt.Answers[st]; ok {
			continue
		}
		oc.AddRespStructure(web.Problem{}, openapi.WithHTTPStatus(st), openapi.WithContentType(problemType))
	}
	switch rt.Auth {
	case AuthMember:
		oc.AddSecurity(SchemeCookie)
		oc.AddSecurity(SchemeBearer)
	case AuthVisitor:
		oc.AddSecurity(SchemeVisitor)
	}
	return r.AddOperation(oc)
}

// upload is the multipart body of an attachment (web.ReadUpload).
type upload struct {
	File        *multipart.FileHeader `formData:"file" required:"true" description:"The file."`
	ClientMsgID string                `formData:"client_msg_id" description:"Makes a retried upload one message."`
	Caption     string                `formData:"caption"`
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, p := range strings.Split(strings.TrimPrefix(rt.Path, Prefix), "/") {
		p = strings.TrimPrefix(p, ":")
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// inlineRequests writes request bodies inline: the named definitions are
// the answers', whose always-written fields are required, and a type
// that is in both (hub.Appearance in a site and in a site update) must
// not take its required fields into the request, nor lose them in the
// answer to whichever came first (the reflector keeps a definition's
// first form). Request types must not be recursive.
func inlineRequests(p jsonschema.InterceptSchemaParams) (bool, error) {
	if !responding(p.Context) {
		p.Context.InlineRefs = true
	}
	return false, nil
}

// responding reports whether rc reflects an answer's body.
func responding(rc *jsonschema.ReflectContext) bool {
	oc, ok := openapi.OperationCtx(rc)
	st, isState := oc.(openapi.OperationState)
	return ok && isState && st.IsProcessingResponse()
}

// requireAlwaysEncoded marks a property of an answer required when
// encoding/json always writes it: a field without omitempty. Requests are
// left alone: a missing field decodes as its zero value.
func requireAlwaysEncoded(p jsonschema.InterceptPropParams) error {
	if !p.Processed || p.Field.Tag.Get("json") == "" || p.ParentSchema == nil {
		return nil
	}
	if !responding(p.Context) {
		return nil
	}
	tag := p.Field.Tag.Get("json")
	if strings.Contains(tag, ",omitempty") || strings.HasPrefix(tag, "-") {
		return nil
	}
	for _, name := range p.ParentSchema.Required {
		if name == p.Name {
			return nil
		}
	}
	p.ParentSchema.Required = append(p.ParentSchema.Required, p.Name)
	return nil
}
