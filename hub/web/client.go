package web

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub/geo"
)

// Proxies are the reverse proxies whose forwarding headers are believed:
// the client address in X-Forwarded-For and the country header a CDN adds.
// The zero value trusts nobody, so a client cannot forge either.
type Proxies struct{ nets []netip.Prefix }

// ParseProxies reads a comma-separated list of addresses and CIDR ranges,
// such as "10.0.0.0/8, 127.0.0.1".
func ParseProxies(list string) (Proxies, error) {
	var p Proxies
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return Proxies{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
			}
			s = netip.PrefixFrom(a, a.BitLen()).String()
		}
		n, err := netip.ParsePrefix(s)
		if err != nil {
			return Proxies{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
		}
		p.nets = append(p.nets, n.Masked())
	}
	return p, nil
}

func (p Proxies) trusts(ip string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// countryHeaders are the headers CDNs and proxies put the client's country
// in, read only from a trusted proxy.
var countryHeaders = []string{"CF-IPCountry", "CloudFront-Viewer-Country", "X-Vercel-IP-Country", "X-Country-Code"}

// Middleware records the client's address and country for ClientIP and
// ClientCountry. Behind trusted proxies the address is the right-most one
// in X-Forwarded-For that is not itself a trusted proxy: the left part of
// that header is whatever the client wrote.
func (p Proxies) Middleware(c *fiber.Ctx) error {
	ip := c.Context().RemoteIP().String()
	if p.trusts(ip) {
		hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if _, err := netip.ParseAddr(hop); err != nil {
				break
			}
			ip = hop
			if !p.trusts(hop) {
				break
			}
		}
		for _, h := range countryHeaders {
			if code := strings.ToUpper(strings.TrimSpace(c.Get(h))); geo.ValidCountry(code) {
				c.Locals(countryKey{}, code)
				break
			}
		}
	}
	c.Locals(ipKey{}, ip)
	return c.Next()
}

type ipKey struct{}
type countryKey struct{}

// ClientIP is the client's address as Middleware found it, else the
// connection's peer.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(ipKey{}).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}

// ClientCountry is the country a trusted proxy named for this request, or "".
func ClientCountry(c *fiber.Ctx) string {
	code, _ := c.Locals(countryKey{}).(string)
	return code
}
