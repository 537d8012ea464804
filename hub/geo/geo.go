// Package geo tells where a visitor is, as far as Parley can without a
// geolocation database: the country a trusted proxy names, else the country
// of the browser's time zone.
package geo

import (
	_ "embed"
	"strings"
)

// zones maps IANA time zones to ISO 3166 country codes. It is tzdata's
// zone.tab (one country per zone) plus the legacy names some browsers still
// report (Asia/Calcutta, Europe/Kiev, US/Eastern, …).
//
//go:embed zones.tsv
var zones string

var countryOfZone = func() map[string]string {
	m := make(map[string]string, 440)
	for _, line := range strings.Split(zones, "\n") {
		if zone, country, ok := strings.Cut(line, "\t"); ok {
			m[zone] = country
		}
	}
	return m
}()

// CountryOfTimeZone is the two-letter country of an IANA time zone such as
// "Europe/Berlin" ("DE"), or "" for an unknown or country-less zone (UTC).
func CountryOfTimeZone(tz string) string { return countryOfZone[tz] }

// ValidCountry reports whether code looks like an ISO 3166 alpha-2 code.
// Proxies send "XX" or "T1" (Tor) for unknown places; those are refused.
func ValidCountry(code string) bool {
	if len(code) != 2 || code == "XX" {
		return false
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
