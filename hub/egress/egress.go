// Package egress is the one HTTP client for URLs a workspace chose: a
// site's model base URL today, webhooks later. It never connects to the
// server's own networks on a tenant's behalf (docs/architecture.md
// "Requests on a workspace's behalf").
//
// Every connection is checked after the name is resolved, at connect time,
// against the IANA special-purpose registries (code.dny.dev/ssrf, kept in
// step with them): loopback, private, link-local, unique-local, multicast,
// unspecified and the other reserved ranges are refused, for IPv4 and IPv6
// alike (an IPv4-mapped IPv6 address is refused too). Checking the address
// dialled, not the name, also holds against DNS rebinding, and every
// redirect is a new connection checked the same way. The operator may
// allow private ranges (PARLEY_ALLOW_PRIVATE_URLS) for a model server on
// the local network.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults of Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 4 << 20
	DefaultMaxRedirects = 3
)

// Config configures a Client. The zero value is the strict default.
type Config struct {
	// AllowPrivate are ranges connected to although reserved
	// (PARLEY_ALLOW_PRIVATE_URLS), e.g. 10.0.0.0/8 for a model server.
	AllowPrivate []netip.Prefix
	// Timeout bounds a whole request, redirects and body included.
	Timeout time.Duration
	// MaxBytes bounds a response body; reading past it fails.
	MaxBytes int64
	// MaxRedirects bounds the redirects followed.
	MaxRedirects int
}

// ErrPrivateAddress is how a refused destination shows in an error chain
// (errors.Is). Its text names no address, so that it can be shown to the
// workspace without helping anybody map the server's network.
var ErrPrivateAddress = errors.New("the address is private, local or reserved, and not called on a workspace's behalf")

// ErrTooLarge is returned when reading a body past Config.MaxBytes.
var ErrTooLarge = errors.New("the response is too large")

// NewClient returns an HTTP client whose every connection is checked. It
// uses no proxy from the environment: a proxy would connect for it,
// unchecked.
func NewClient(cfg Config) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	guard := guardian(cfg.AllowPrivate)
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(network, address string, c syscall.RawConn) error {
			if err := guard.Safe(network, address, c); err != nil {
				return fmt.Errorf("%w (%v)", ErrPrivateAddress, err)
			}
			return nil
		}}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &http.Client{
		Timeout:   cfg.Timeout,
		Transport: limited{next: transport, max: cfg.MaxBytes},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return fmt.Errorf("more than %d redirects", cfg.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("a redirect to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}
}

// guardian refuses reserved destinations on any port, over TCP, but for
// the allowed ranges.
func guardian(allow []netip.Prefix) *ssrf.Guardian {
	var v4, v6 []netip.Prefix
	for _, p := range allow {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
}

// CheckURL tells, when a workspace saves a URL, whether requests to it
// would be refused: it must be an http(s) URL, and its host must not
// resolve to an address that is not allowed. A name that does not
// resolve now passes: it cannot be judged yet. It is a courtesy to the
// owner; the client checks again at every connection, where it counts.
func CheckURL(ctx context.Context, rawURL string, allow []netip.Prefix) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return errors.New("not an http(s) URL")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	guard := guardian(allow)
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		// The resolver gives IPv4 addresses in the IPv4-mapped form; they
		// are checked, and dialled, as IPv4.
		a = a.Unmap()
		network := "tcp4"
		if a.Is6() {
			network = "tcp6"
		}
		if err := guard.Safe(network, net.JoinHostPort(a.String(), port), nil); err != nil {
			return ErrPrivateAddress
		}
	}
	return nil
}

// ParseAllow reads PARLEY_ALLOW_PRIVATE_URLS: comma-separated CIDR ranges
// or single addresses.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// limited bounds every response body to max bytes.
type limited struct {
	next http.RoundTripper
	max  int64
}

func (l limited) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if res.ContentLength > l.max {
		res.Body.Close()
		return nil, ErrTooLarge
	}
	res.Body = &capped{r: res.Body, left: l.max}
	return res, nil
}

// capped reads at most left bytes, then fails with ErrTooLarge.
type capped struct {
	r    io.ReadCloser
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One more byte tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.r.Close() }
