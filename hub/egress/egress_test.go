package egress_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley-chat/parley/hub/egress"
)

// serve starts a server on the loopback address addr ("127.0.0.1:0").
func serve(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func get(c *http.Client, url string) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, err = io.ReadAll(res.Body)
	return err
}

// TestRefusesReservedAddresses: every kind of reserved destination is
// refused before a byte is sent, whether named by address or by a name
// that resolves to one; the error says why without naming the address.
func TestRefusesReservedAddresses(t *testing.T) {
	var hits atomic.Int32
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	port := s.Listener.Addr().(*net.TCPAddr).Port
	c := egress.NewClient(egress.Config{})
	for _, u := range []string{
		s.URL,
		fmt.Sprintf("http://localhost:%d/", port),
		fmt.Sprintf("http://[::1]:%d/", port),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
		"http://0.0.0.0:6379/",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
		"http://[fc00::1]/", "http://[fe80::1]/", "http://[ff02::1]/", "http://[::]/",
	} {
		err := get(c, u)
		if !errors.Is(err, egress.ErrPrivateAddress) {
			t.Errorf("GET %s: %v, want ErrPrivateAddress", u, err)
		}
		if strings.Contains(egress.ErrPrivateAddress.Error(), "127.") {
			t.Fatal("the error names an address")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server was reached %d times", n)
	}
}

// TestAllowPrivate: the operator's ranges are reached, others not; a
// redirect from an allowed server to a refused one is refused.
func TestAllowPrivate(t *testing.T) {
	inner := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	outer := serve(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop" {
			http.Redirect(w, r, inner.URL, http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	allow, err := egress.ParseAllow(" 127.0.0.2 , fd00::/8")
	if err != nil || len(allow) != 2 || allow[0] != netip.MustParsePrefix("127.0.0.2/32") {
		t.Fatalf("ParseAllow: %v, %v", allow, err)
	}
	c := egress.NewClient(egress.Config{AllowPrivate: allow})
	if err := get(c, outer.URL+"/"); err != nil {
		t.Fatalf("an allowed range: %v", err)
	}
	if err := get(c, outer.URL+"/hop"); !errors.Is(err, egress.ErrPrivateAddress) {
		t.Fatalf("a redirect to a refused address: %v", err)
	}
	if _, err := egress.ParseAllow("10.0.0.0/8,nonsense"); err == nil {
		t.Fatal("ParseAllow took nonsense")
	}
}

// TestResponseSizeLimit: a body over MaxBytes fails, one at it reads.
func TestResponseSizeLimit(t *testing.T) {
	s := serve(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		io.WriteString(w, strings.Repeat("x", 2048))
	}))
	allow, _ := egress.ParseAllow("127.0.0.1")
	c := egress.NewClient(egress.Config{AllowPrivate: allow, MaxBytes: 1024})
	for _, u := range []string{s.URL, s.URL + "?chunked=1"} {
		if err := get(c, u); !errors.Is(err, egress.ErrTooLarge) {
			t.Errorf("GET %s: %v, want ErrTooLarge", u, err)
		}
	}
	c = egress.NewClient(egress.Config{AllowPrivate: allow, MaxBytes: 2048})
	if err := get(c, s.URL+"?chunked=1"); err != nil {
		t.Errorf("a body of exactly the limit: %v", err)
	}
}

// TestCheckURL: what a workspace may save as a URL.
func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for u, want := range map[string]error{
		"http://localhost:11434/v1":      egress.ErrPrivateAddress,
		"http://127.0.0.1:5432":          egress.ErrPrivateAddress,
		"http://[::1]:6379/":             egress.ErrPrivateAddress,
		"http://169.254.169.254/":        egress.ErrPrivateAddress,
		"https://93.184.215.14/v1":       nil,
		"https://[2606:4700::6810:84e5]": nil,
		"https://no-such-host.invalid/":  nil,
	} {
		if err := egress.CheckURL(ctx, u, nil); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("CheckURL(%s) = %v, want %v", u, err, want)
		}
	}
	for _, u := range []string{"ftp://example.com", "http://", "not a url"} {
		if err := egress.CheckURL(ctx, u, nil); err == nil || errors.Is(err, egress.ErrPrivateAddress) {
			t.Errorf("CheckURL(%s) = %v, want not an http(s) URL", u, err)
		}
	}
	allow, _ := egress.ParseAllow("127.0.0.0/8")
	if err := egress.CheckURL(ctx, "http://127.0.0.1:11434", allow); err != nil {
		t.Errorf("an allowed range: %v", err)
	}
}
