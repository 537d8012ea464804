package textsearch

import (
	"slices"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"Refund request", []string{"Refund", "request"}},
		{`foo' OR 1=1 --`, []string{"foo", "OR", "1", "1"}},
		{`"quoted" AND (x*)`, []string{"quoted", "AND", "x"}},
		{"café-au-lait", []string{"café", "au", "lait"}},
		{"--- !!!", nil},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTermsLimits(t *testing.T) {
	long := strings.Repeat("ab ", 100)
	if got := Terms(long); len(got) != MaxTerms {
		t.Errorf("got %d terms, want %d", len(got), MaxTerms)
	}
	word := strings.Repeat("é", 100)
	if got := Terms(word); len([]rune(got[0])) != MaxTermRunes {
		t.Errorf("got a term of %d runes, want %d", len([]rune(got[0])), MaxTermRunes)
	}
}
