package hub

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HandoffState is a conversation's place in the hand-off state machine:
//
//	assistant → awaiting_email → ticket_open → human
//
// The assistant answers in assistant; collects and checks the visitor's
// email in awaiting_email; stays silent in ticket_open and human. An
// agent's reply moves any state to human. A resolved conversation the
// visitor starts again returns to assistant with a clean context.
type HandoffState string

// Hand-off states.
const (
	HandoffAssistant     HandoffState = "assistant"
	HandoffAwaitingEmail HandoffState = "awaiting_email"
	HandoffTicketOpen    HandoffState = "ticket_open"
	HandoffHuman         HandoffState = "human"
)

// HandoffSettings are a site's rules for handing conversations to the team.
type HandoffSettings struct {
	// Disabled keeps every conversation with the assistant: it says it
	// cannot help with that here instead of escalating.
	Disabled bool `json:"disabled,omitempty"`
	// OutOfHoursMessage is told to a visitor whose ticket opens outside
	// Hours; empty: a default text.
	OutOfHoursMessage string `json:"out_of_hours_message,omitempty"`
	// Hours are the team's working hours; zero: always in hours.
	Hours BusinessHours `json:"hours"`
}

// BusinessHours are working hours in a time zone, the same every working day.
type BusinessHours struct {
	TimeZone string `json:"time_zone,omitempty"` // IANA name, like Europe/Moscow
	Start    string `json:"start,omitempty"`     // "09:00"
	End      string `json:"end,omitempty"`       // "18:00"
	// Days are the working weekdays, 0 = Sunday; empty: Monday to Friday.
	Days []time.Weekday `json:"days,omitempty"`
}

// Validate checks hand-off settings before they are saved.
func (h HandoffSettings) Validate() error {
	if utf8.RuneCountInString(h.OutOfHoursMessage) > 1000 {
		return Errorf(EInvalid, "the out-of-hours message is over 1000 characters")
	}
	b := h.Hours
	if b.TimeZone == "" && b.Start == "" && b.End == "" && len(b.Days) == 0 {
		return nil
	}
	if _, err := time.LoadLocation(b.TimeZone); err != nil || b.TimeZone == "" {
		return Errorf(EInvalid, "time zone %q is not a known IANA zone, like Europe/Moscow", b.TimeZone)
	}
	start, ok1 := clockMinutes(b.Start)
	end, ok2 := clockMinutes(b.End)
	if !ok1 || !ok2 || start >= end {
		return Errorf(EInvalid, "working hours must be HH:MM to a later HH:MM")
	}
	for _, d := range b.Days {
		if d < time.Sunday || d > time.Saturday {
			return Errorf(EInvalid, "working days are 0 (Sunday) to 6 (Saturday)")
		}
	}
	return nil
}

// InHours reports whether t falls in the working hours; without hours set,
// always.
func (b BusinessHours) InHours(t time.Time) bool {
	if b.TimeZone == "" {
		return true
	}
	loc, err := time.LoadLocation(b.TimeZone)
	start, ok1 := clockMinutes(b.Start)
	end, ok2 := clockMinutes(b.End)
	if err != nil || !ok1 || !ok2 {
		return true
	}
	t = t.In(loc)
	days := b.Days
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	working := false
	for _, d := range days {
		working = working || d == t.Weekday()
	}
	m := t.Hour()*60 + t.Minute()
	return working && m >= start && m < end
}

// clockMinutes parses "HH:MM" into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}
