package dashboard

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// Reading a request and answering a list: route and query parameters, and
// pages with their cursor for ?before= (docs/api.md). Every handler reads
// them through these, so a parameter means the same on every route.

// pathID parses the route parameter name, a positive id.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, hub.Errorf(hub.EInvalid, "%s must be a positive integer", name)
	}
	return id, nil
}

// idParam parses the :id route parameter.
func idParam(c *fiber.Ctx) (int64, error) { return pathID(c, "id") }

// siteParam parses the :site route parameter, a site id.
func siteParam(c *fiber.Ctx) (int64, error) { return pathID(c, "site") }

// queryInt parses an optional integer query parameter.
func queryInt(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, hub.Errorf(hub.EInvalid, "%s must be a non-negative integer", name)
	}
	return n, nil
}

// queryIDs parses an optional comma-separated list of ids; nil when
// absent. How many a filter takes is hub's rule (hub.MaxFilterIDs), which
// the service checks.
func queryIDs(c *fiber.Ctx, name string) ([]int64, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	ids := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n <= 0 {
			return nil, hub.Errorf(hub.EInvalid, "%s must be comma-separated positive ids", name)
		}
		ids[i] = n
	}
	return ids, nil
}

// queryBool parses an optional true/false query parameter; nil when absent.
func queryBool(c *fiber.Ctx, name string) (*bool, error) {
	switch v := c.Query(name); v {
	case "":
		return nil, nil
	case "true", "false":
		b := v == "true"
		return &b, nil
	}
	return nil, hub.Errorf(hub.EInvalid, "%s must be true or false", name)
}

// queryDate parses an optional date (YYYY-MM-DD, UTC) query parameter.
func queryDate(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, hub.Errorf(hub.EInvalid, "%s must be a date like 2026-11-21", name)
	}
	return d, nil
}

// queryLimit reads ?limit=, the size of the page asked for, bounded by
// the list's page size (hub/page.go; docs/api.md).
func queryLimit(c *fiber.Ctx, size hub.PageSize) (int, error) {
	n, err := queryInt(c, "limit")
	if err != nil {
		return 0, err
	}
	return size.Limit(int(min(n, int64(size.Max)))), nil
}

type page[T any] struct {
	Items []T `json:"items"`
	// Next is the cursor for the following page, empty on the last one.
	Next string `json:"next,omitempty"`
}

// idPage is a page of items listed by id, newest first: a full page
// (limit items) has a next cursor, the last item's id, for ?before=.
func idPage[T any](items []T, limit int, id func(T) int64) page[T] {
	p := page[T]{Items: items}
	if len(items) > 0 && len(items) == limit {
		p.Next = strconv.FormatInt(id(items[len(items)-1]), 10)
	}
	return p
}

// timePage is a page of items listed by time, newest first: a full page
// has a next cursor, the last item's time and id (parseTimeCursor reads it).
func timePage[T any](items []T, limit int, key func(T) (time.Time, int64)) page[T] {
	p := page[T]{Items: items}
	if len(items) > 0 && len(items) == limit {
		at, id := key(items[len(items)-1])
		p.Next = strconv.FormatInt(at.UnixMicro(), 10) + "_" + strconv.FormatInt(id, 10)
	}
	return p
}

// parseTimeCursor reads a timePage cursor: "<unix microseconds>_<id>".
func parseTimeCursor(cur string) (time.Time, int64, error) {
	us, id, ok := strings.Cut(cur, "_")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, hub.Errorf(hub.EInvalid, "before must be a cursor from a previous page")
	}
	return time.UnixMicro(t).UTC(), n, nil
}
