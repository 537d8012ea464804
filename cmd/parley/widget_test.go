package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestWidgetConfigEndpoint: GET /api/v1/sdk/chat/config answers with the
// site's widget settings, or with exactly one of 004's reasons.
func TestWidgetConfigEndpoint(t *testing.T) {
	n := startNode(t)
	siteKey := demoSiteKey(t, n)
	var cfg struct {
		Site       string `json:"site"`
		Appearance struct {
			Color    string `json:"color"`
			Position string `json:"position"`
		} `json:"appearance"`
		Reason string `json:"reason"`
	}
	req, _ := http.NewRequest("GET", n.URL+"/api/v1/sdk/chat/config?site="+siteKey, nil)
	req.Header.Set("Origin", n.Origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != n.Origin {
		t.Fatalf("CORS header %q, want %q", resp.Header.Get("Access-Control-Allow-Origin"), n.Origin)
	}
	if st := do(t, "GET", n.URL+"/api/v1/sdk/chat/config?site="+siteKey, http.Header{"Origin": {n.Origin}}, nil, &cfg); st != 200 ||
		cfg.Site != siteKey || cfg.Appearance.Color == "" || cfg.Appearance.Position != "right" || cfg.Reason != "" {
		t.Fatalf("config: %d %+v", st, cfg)
	}
	// A page on the hub itself (/demo): same-origin GETs carry no Origin.
	if st := do(t, "GET", n.URL+"/api/v1/sdk/chat/config?site="+siteKey, http.Header{"Sec-Fetch-Site": {"same-origin"}}, nil, &cfg); st != 200 || cfg.Site != siteKey {
		t.Fatalf("same-origin config: %d %+v", st, cfg)
	}
	for name, tt := range map[string]struct{ site, origin string }{
		"unknown site":   {"site_nope", n.Origin},
		"foreign origin": {siteKey, "https://evil.test"},
		"no origin":      {siteKey, ""},
	} {
		var gate struct{ Reason, Detail string }
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		if st := do(t, "GET", n.URL+"/api/v1/sdk/chat/config?site="+tt.site, h, nil, &gate); st != 404 || gate.Reason != "SITE_NOT_MAPPED" || gate.Detail == "" {
			t.Errorf("%s: %d %+v, want 404 SITE_NOT_MAPPED with a fix", name, st, gate)
		}
	}
}

// TestVisitorStartAndPage: a visit returns a token and, on return, the
// conversation; pages are tracked with the visitor token.
func TestVisitorStartAndPage(t *testing.T) {
	n := startNode(t)
	siteKey := demoSiteKey(t, n)
	type visit struct {
		AnonymousID  string `json:"anonymous_id"`
		Token        string `json:"token"`
		Verified     bool   `json:"verified"`
		Conversation *struct {
			ID     int64 `json:"id"`
			Unread int   `json:"unread"`
		} `json:"conversation"`
	}
	origin := http.Header{"Origin": {n.Origin}}
	var first visit
	if st := do(t, "POST", n.URL+"/api/v1/sdk/visitors", origin, map[string]any{"site": siteKey}, &first); st != 200 || first.Token == "" || first.Conversation != nil || first.Verified {
		t.Fatalf("first visit: %d %+v", st, first)
	}
	c := dial(t, n.URL+"/ws/visitor?site="+siteKey, n.Origin, nil)
	c.call("auth", "auth.ok", map[string]string{"token": first.Token})
	c.call("send", "ack", map[string]any{"client_msg_id": "x", "body": "hello"})

	var again visit
	if st := do(t, "POST", n.URL+"/api/v1/sdk/visitors", origin, map[string]any{"site": siteKey, "anonymous_id": first.AnonymousID}, &again); st != 200 ||
		again.AnonymousID != first.AnonymousID || again.Conversation == nil {
		t.Fatalf("return visit: %d %+v", st, again)
	}
	var p struct{ Code string }
	if st := do(t, "POST", n.URL+"/api/v1/sdk/visitors", origin, map[string]any{"site": siteKey, "identity": map[string]any{"external_id": "u1", "user_hash": "00"}}, &p); st != 403 || p.Code != "forbidden" {
		t.Fatalf("bad user hash: %d %+v", st, p)
	}

	bearer := http.Header{"Origin": {n.Origin}, "Authorization": {"Bearer " + again.Token}}
	if st := do(t, "POST", n.URL+"/api/v1/sdk/page", bearer, map[string]string{"url": n.Origin + "/pricing", "title": "Pricing"}, nil); st != 204 {
		t.Fatalf("track page: %d", st)
	}
	if st := do(t, "POST", n.URL+"/api/v1/sdk/page", origin, map[string]string{"url": n.Origin + "/pricing"}, &p); st != 401 {
		t.Fatalf("track page without token: %d", st)
	}
}

// TestAttachmentUploadAndDownload: a visitor uploads an image and a PDF;
// the image is served inline, the PDF as a download, both with nosniff and
// a sandbox; a forged path finds nothing; a disallowed type is refused.
func TestAttachmentUploadAndDownload(t *testing.T) {
	n := startNode(t)
	siteKey := demoSiteKey(t, n)
	var v struct{ Token string }
	do(t, "POST", n.URL+"/api/v1/sdk/visitors", http.Header{"Origin": {n.Origin}}, map[string]any{"site": siteKey}, &v)
	upload := func(name string, data []byte) (int, map[string]any) {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(data)
		w.WriteField("client_msg_id", "up-"+name)
		w.Close()
		req, _ := http.NewRequest("POST", n.URL+"/api/v1/sdk/attachments", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+v.Token)
		req.Header.Set("Origin", n.Origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := http.Get(n.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pathOf := func(out map[string]any) string {
		return out["message"].(map[string]any)["attachment"].(map[string]any)["path"].(string)
	}

	st, out := upload("photo.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...))
	if st != 201 {
		t.Fatalf("upload png: %d %v", st, out)
	}
	img := get(pathOf(out))
	if img.StatusCode != 200 || img.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.Header.Get("Content-Disposition"), "inline") ||
		img.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(img.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("image headers: %d %v", img.StatusCode, img.Header)
	}
	st, out = upload("invoice.pdf", []byte("%PDF-1.4\n%..."))
	if st != 201 {
		t.Fatalf("upload pdf: %d %v", st, out)
	}
	if pdf := get(pathOf(out)); pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("pdf headers: %d %v", pdf.StatusCode, pdf.Header)
	}
	parts := strings.Split(pathOf(out), "/")
	if forged := get("/files/" + parts[2] + "/AAAAAAAAAAAAAAAAAAAAAAAA/x.pdf"); forged.StatusCode != 404 {
		t.Fatalf("forged path: %d", forged.StatusCode)
	}
	if st, out := upload("page.html", []byte("<html><script>alert(1)</script></html>")); st != 400 || out["code"] != "invalid" {
		t.Fatalf("html upload: %d %v", st, out)
	}
}
