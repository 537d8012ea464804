package dashboard

import "testing"

// TestCSVCell checks the CSV injection guard of the report download.
func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"2026-11-20":   "2026-11-20",
		"12":           "12",
		"=HYPERLINK()": "'=HYPERLINK()",
		"+1":           "'+1",
		"-1+1":         "'-1+1",
		"@SUM(A1)":     "'@SUM(A1)",
		"\tx":          "'\tx",
		"\rx":          "'\rx",
		"a=b":          "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
