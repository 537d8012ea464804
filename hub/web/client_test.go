package web

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// app.Test connects from 0.0.0.0, which stands for the proxy here.
func clientInfo(t *testing.T, trusted string, header map[string]string) string {
	t.Helper()
	p, err := ParseProxies(trusted)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Use(p.Middleware)
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(ClientIP(c) + " " + ClientCountry(c)) })
	req := httptest.NewRequest("GET", "/", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestClientIPAndCountry(t *testing.T) {
	xff := map[string]string{"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.1.2.3", "CF-IPCountry": "de"}
	for _, tc := range []struct {
		name, trusted string
		header        map[string]string
		want          string
	}{
		{"no proxy trusted: headers ignored", "", xff, "0.0.0.0 "},
		{"trusted proxy chain: right-most untrusted hop", "0.0.0.0, 10.0.0.0/8", xff, "203.0.113.9 DE"},
		{"only the peer trusted", "0.0.0.0", xff, "10.1.2.3 DE"},
		{"garbage hop stops the walk", "0.0.0.0", map[string]string{"X-Forwarded-For": "1.2.3.4, nonsense"}, "0.0.0.0 "},
		{"unknown country refused", "0.0.0.0", map[string]string{"CF-IPCountry": "XX"}, "0.0.0.0 "},
	} {
		if got := clientInfo(t, tc.trusted, tc.header); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/8, bogus"); err == nil {
		t.Error("ParseProxies accepted bogus")
	}
}

// TestContentDisposition: RFC 6266 with an RFC 8187 filename* and an ASCII
// stand-in that cannot break the header.
func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"report.csv":        `attachment; filename="report.csv"; filename*=UTF-8''report.csv`,
		`a "b";c,d=e\f.txt`: `attachment; filename="a _b_;c,d=e_f.txt"; filename*=UTF-8''a%20%22b%22%3Bc%2Cd%3De%5Cf.txt`,
		"счёт №5.pdf":       `attachment; filename="____ _5.pdf"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%20%E2%84%965.pdf`,
		"line\r\nbreak.png": `attachment; filename="line__break.png"; filename*=UTF-8''line%0D%0Abreak.png`,
	} {
		if got := ContentDisposition("attachment", name); got != want {
			t.Errorf("%q:\n got %s\nwant %s", name, got, want)
		}
	}
}
