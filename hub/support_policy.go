package hub

import "time"

// How the platform's team works (001 "Response times"): its business hours
// and the response target of each request type, from which a support
// ticket's DueAt comes.

// SupportPolicy is how the platform's team works: its business hours
// (PARLEY_SUPPORT_HOURS, PARLEY_SUPPORT_TIME_ZONE) and the response target
// of each request type. The zero value is 09:00–18:00 Monday to Friday,
// Moscow time, with the targets of 001.
type SupportPolicy struct {
	Hours BusinessHours
}

// supportTargets are the response targets: critical requests in hours of
// the clock (they are handled outside the schedule too), the others in
// business time, a business day being one working day's hours.
var supportTargets = map[string]struct {
	clock        time.Duration
	businessDays int
}{
	RequestCritical: {clock: 4 * time.Hour},
	RequestQuestion: {businessDays: 1},
	RequestFeature:  {businessDays: 2},
	RequestReview:   {businessDays: 3},
}

func (p SupportPolicy) hours() BusinessHours {
	h := p.Hours
	if h.TimeZone == "" {
		h.TimeZone = "Europe/Moscow"
	}
	if h.Start == "" || h.End == "" {
		h.Start, h.End = "09:00", "18:00"
	}
	if len(h.Days) == 0 {
		h.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	return h
}

// Due is when a request of kind opened at from should have its answer.
func (p SupportPolicy) Due(kind string, from time.Time) time.Time {
	target, ok := supportTargets[kind]
	if !ok {
		target = supportTargets[RequestQuestion]
	}
	if target.clock > 0 {
		return from.Add(target.clock).UTC()
	}
	h := p.hours()
	loc, err := time.LoadLocation(h.TimeZone)
	start, ok1 := clockMinutes(h.Start)
	end, ok2 := clockMinutes(h.End)
	if err != nil || !ok1 || !ok2 || start >= end {
		return from.Add(time.Duration(target.businessDays) * 24 * time.Hour).UTC()
	}
	working := map[time.Weekday]bool{}
	for _, d := range h.Days {
		working[d] = true
	}
	left := time.Duration(target.businessDays) * time.Duration(end-start) * time.Minute
	t := from.In(loc)
	for range 400 { // a year of days at most, whatever the settings
		y, m, d := t.Date()
		open := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(time.Duration(start) * time.Minute)
		close := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(time.Duration(end) * time.Minute)
		if working[t.Weekday()] && t.Before(close) {
			if t.Before(open) {
				t = open
			}
			if t.Add(left).After(close) {
				left -= close.Sub(t)
			} else {
				return t.Add(left).UTC()
			}
		}
		t = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return t.UTC()
}

// Validate checks the policy at start-up.
func (p SupportPolicy) Validate() error {
	return HandoffSettings{Hours: p.hours()}.Validate()
}
