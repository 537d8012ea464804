package geo

import "testing"

func TestCountryOfTimeZone(t *testing.T) {
	for tz, want := range map[string]string{
		"Europe/Berlin": "DE", "Europe/Moscow": "RU", "America/New_York": "US", "Asia/Calcutta": "IN",
		"Asia/Kolkata": "IN", "Europe/Kiev": "UA", "UTC": "", "": "", "Mars/Olympus": "",
	} {
		if got := CountryOfTimeZone(tz); got != want {
			t.Errorf("CountryOfTimeZone(%q) = %q, want %q", tz, got, want)
		}
	}
}

func TestValidCountry(t *testing.T) {
	for code, want := range map[string]bool{"DE": true, "US": true, "XX": false, "T1": false, "de": false, "DEU": false, "": false} {
		if got := ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36":             "Chrome 120 on Windows",
		"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0":                                                      "Firefox 126 on Linux",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148":  "Safari on iPhone",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0": "Edge 124 on macOS",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36":           "Chrome 125 on Android",
		"curl/8.5.0": "curl/8.5.0",
		"":           "",
	} {
		if got := Device(ua); got != want {
			t.Errorf("Device(%q) = %q, want %q", ua, got, want)
		}
	}
}
