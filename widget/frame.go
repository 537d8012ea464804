package widget

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// framePage is the chat iframe's page. Its scripts and styles are the
// hashed files of the manifest, relative to /widget/frame so that a hub
// under a path prefix works; the CSP forbids anything inline.
var framePage = template.Must(template.New("frame").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>Chat</title>
<link rel="stylesheet" href="{{.CSS}}">
</head>
<body>
<div id="app" data-site="{{.Site}}" data-origins="{{.Origins}}" data-ws="{{.WS}}"></div>
<script src="{{.JS}}"></script>
</body>
</html>
`))

// frame serves the chat iframe for a site. Only the site's allowed origins
// may frame it (CSP frame-ancestors), and the page tells the frame the same
// list, so it accepts postMessage from those origins only.
func (h *handler) frame(c *fiber.Ctx) error {
	b, err := loadBundle()
	if err != nil {
		return err
	}
	site, err := h.cfg.Service.Store.FindSiteByKey(c.UserContext(), c.Query("site"))
	if err != nil {
		if hub.IsCode(err, hub.ENotFound) {
			return hub.Errorf(hub.ENotFound, "no site has this key: check the site key in the snippet")
		}
		return err
	}
	origins := cspOrigins(site.AllowedOrigins)
	ancestors := "'none'"
	if len(origins) > 0 {
		ancestors = strings.Join(origins, " ")
	}
	ws, wsOrigin := visitorSocketURL(h.cfg.BaseURL, site.Key)
	connect := "'self' ws: wss:"
	if wsOrigin != "" {
		connect = "'self' " + wsOrigin
	}
	c.Set("Content-Security-Policy", "frame-ancestors "+ancestors+"; default-src 'self'; connect-src "+connect+
		"; img-src 'self' data: blob: https:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return framePage.Execute(c, struct{ Site, Origins, WS, JS, CSS string }{
		Site: site.Key, Origins: strings.Join(origins, " "), WS: ws,
		JS: b.Manifest["frame.js"], CSS: b.Manifest["frame.css"],
	})
}

// cspOrigins keeps the origins that are safe to put into a CSP source list.
// Stored origins are normalized already (hub.NormalizeOrigin); this is the
// second lock on the door.
func cspOrigins(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if o != "" && !strings.ContainsAny(o, " \t\r\n;,'\"") {
			out = append(out, o)
		}
	}
	return out
}

// visitorSocketURL returns the visitor websocket's URL for site and its
// origin, from the hub's public base URL; both are empty when the base URL
// is unusable (the frame then derives the URL from its own location).
func visitorSocketURL(baseURL, site string) (string, string) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "", ""
	}
	scheme := "ws"
	switch u.Scheme {
	case "https":
		scheme = "wss"
	case "http":
	default:
		return "", ""
	}
	origin := scheme + "://" + u.Host
	return origin + strings.TrimSuffix(u.Path, "/") + "/ws/visitor?site=" + url.QueryEscape(site), origin
}
