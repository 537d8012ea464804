package dashboard

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Reports: GET /reports for the charts and GET /reports.csv for the same
// days as a spreadsheet. hub.Service.Report validates the range and decides
// who reads what; hub/report.go defines the numbers.

// reportFilter reads ?site=&from=&to= (dates YYYY-MM-DD, UTC; empty: the
// defaults of hub.Service.Report).
func reportFilter(c *fiber.Ctx) (hub.ReportFilter, error) {
	var f hub.ReportFilter
	var err error
	if f.SiteID, err = queryInt(c, "site"); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		if *p.t, err = time.Parse(time.DateOnly, v); err != nil {
			return f, hub.Errorf(hub.EInvalid, "%s must be a date like 2026-11-20", p.name)
		}
	}
	return f, nil
}

func (h *handler) getReport(c *fiber.Ctx) error {
	f, err := reportFilter(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Report(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// reportCSVHeader is the CSV's first row; docs/api.md promises it.
var reportCSVHeader = []string{"date", "conversations", "tickets_opened", "tickets_resolved", "thumbs_up", "thumbs_down"}

func (h *handler) getReportCSV(c *fiber.Ctx) error {
	f, err := reportFilter(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Report(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rows := [][]string{reportCSVHeader}
	for _, d := range r.Days {
		rows = append(rows, []string{d.Date, strconv.Itoa(d.Conversations), strconv.Itoa(d.TicketsOpened),
			strconv.Itoa(d.TicketsResolved), strconv.Itoa(d.ThumbsUp), strconv.Itoa(d.ThumbsDown)})
	}
	for _, row := range rows {
		for i := range row {
			row[i] = csvCell(row[i])
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	// From and To are dates the service formatted, so the name holds
	// nothing but digits and dashes.
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, web.ContentDisposition("attachment", "parley-report-"+r.From+"-"+r.To+".csv"))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// csvCell defuses a cell a spreadsheet would run as a formula (CSV
// injection): one that begins with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe. Today's cells are dates and counts, which
// never do; the guard is for any text column added later.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
