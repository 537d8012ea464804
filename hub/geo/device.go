package geo

import "strings"

// Device summarizes a User-Agent header for people: "Chrome 120 on
// Windows", "Safari on iPhone", "Firefox 126 on Linux". An unknown agent
// gives its first 80 bytes, so nothing is lost.
func Device(ua string) string {
	browser := pick(ua, [][2]string{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"YaBrowser/", "Yandex Browser"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Version/", "Safari"},
	})
	system := pick(ua, [][2]string{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	})
	switch {
	case browser == "" && system == "":
		if len(ua) > 80 {
			ua = ua[:80]
		}
		return strings.TrimSpace(ua)
	case browser == "":
		return system
	case system == "":
		return browser
	}
	return browser + " on " + system
}

// pick returns the name of the first marker found in ua, with the major
// version that follows a marker ending in "/" (Safari's "Version/" names
// its version, so it is kept too, except on iOS where it means little).
func pick(ua string, markers [][2]string) string {
	for _, m := range markers {
		i := strings.Index(ua, m[0])
		if i < 0 {
			continue
		}
		if !strings.HasSuffix(m[0], "/") || m[1] == "Safari" {
			return m[1]
		}
		rest := ua[i+len(m[0]):]
		end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return m[1]
		}
		return m[1] + " " + rest[:end]
	}
	return ""
}
