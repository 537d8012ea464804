package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Tally counts the outcomes of a group of results.
type Tally struct {
	Group string
	Total int
	Count map[Outcome]int
}

// Tallies groups results: "all", each split, each language, each kind
// and each knowledge base, in that order; a group without results is left
// out. Every result is counted once in "all" and once in each of the
// other groupings.
func Tallies(results []Result) []Tally {
	groups := []struct {
		name string
		of   func(Result) string
		keys []string
	}{
		{"all", func(Result) string { return "all" }, []string{"all"}},
		{"split", func(r Result) string { return r.Split }, []string{SplitDev, SplitHoldout}},
		{"lang", func(r Result) string { return r.Lang }, []string{"en", "ru"}},
		{"kind", func(r Result) string { return r.Kind }, Kinds},
		{"kb", func(r Result) string { return r.KB }, kbNames(results)},
	}
	var out []Tally
	for _, g := range groups {
		by := map[string]*Tally{}
		for _, r := range results {
			k := g.of(r)
			t := by[k]
			if t == nil {
				t = &Tally{Group: k, Count: map[Outcome]int{}}
				if g.name != "all" {
					t.Group = g.name + " " + k
				}
				by[k] = t
			}
			t.Total++
			t.Count[r.Outcome]++
		}
		for _, k := range g.keys {
			if t := by[k]; t != nil {
				out = append(out, *t)
			}
		}
	}
	return out
}

func kbNames(results []Result) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.KB] {
			seen[r.KB] = true
			names = append(names, r.KB)
		}
	}
	return names
}

// WriteTable writes tallies as a table: a row per group, a column per
// outcome, each with its share of the group's total.
func WriteTable(w io.Writer, tallies []Tally) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "group\ttotal\tright\twrong\tneedless hand-off\tmissed hand-off\tunanswered\t\n")
	for _, t := range tallies {
		cells := []string{t.Group, fmt.Sprint(t.Total)}
		for _, o := range Outcomes {
			cells = append(cells, fmt.Sprintf("%d (%.0f%%)", t.Count[o], 100*float64(t.Count[o])/float64(t.Total)))
		}
		fmt.Fprint(tw, strings.Join(cells, "\t")+"\t\n")
	}
	return tw.Flush()
}

// WriteFailures writes one line per result that is not Right: id, kind,
// outcome, expected, got, the text, and the assistant's decision.
func WriteFailures(w io.Writer, results []Result, sources int) error {
	for _, r := range results {
		if r.Outcome == Right {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\texpected %s, got %s\t%q\t(%s)\n",
			r.ID, r.Kind, r.Outcome, r.Expect, r.Got, r.Text, r.Decision); err != nil {
			return err
		}
		for _, s := range r.Sources[:min(sources, len(r.Sources))] {
			var b strings.Builder
			for _, t := range s.Terms {
				fmt.Fprintf(&b, " %s:%.2f", t.Word, t.Weight)
				if t.In != "" {
					fmt.Fprintf(&b, "@%s/%s", t.In, t.Via)
				}
			}
			if _, err := fmt.Fprintf(w, "\t%.2f %q:%s\n", s.Score, s.Title, b.String()); err != nil {
				return err
			}
		}
	}
	return nil
}
