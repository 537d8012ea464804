package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestParseStatTicks(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       int64
		bad        bool
	}{
		{"plain", "1234 (parley) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 100 0 0", 325, false},
		{"name with spaces and parens", "77 (a b) c)) R 1 77 77 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5", 7, false},
		{"no name", "1234 S 1", 0, true},
		{"too short", "1 (x) S 1 2 3", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 u 4 0", 0, true},
	} {
		got, err := parseStatTicks(tc.stat)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.bad)
		}
	}
}

func TestParseCPUTargets(t *testing.T) {
	ts, err := parseCPUTargets("parley-a=41, postgres=postgres:parley_bench_1,redis=redis-server")
	if err != nil {
		t.Fatal(err)
	}
	want := []cpuTarget{
		{Label: "parley-a", PID: 41},
		{Label: "postgres", Comm: "postgres", Cmdline: "parley_bench_1"},
		{Label: "redis", Comm: "redis-server"},
	}
	if len(ts) != len(want) {
		t.Fatalf("got %+v, want %+v", ts, want)
	}
	for i := range want {
		if ts[i] != want[i] {
			t.Errorf("target %d = %+v, want %+v", i, ts[i], want[i])
		}
	}
	for _, bad := range []string{"x", "=1", "a=", "a=-3"} {
		if _, err := parseCPUTargets(bad); err == nil {
			t.Errorf("parseCPUTargets(%q): no error", bad)
		}
	}
}

// TestCPUMeterSumsByName builds a fake /proc: two processes named pg (one
// of them started between the samples), one other, one that ended.
func TestCPUMeterSumsByName(t *testing.T) {
	proc := t.TempDir()
	write := func(pid int, comm, cmdline string, ticks int) {
		dir := filepath.Join(proc, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := strconv.Itoa(pid) + " (" + comm + ") S 1 1 1 0 -1 0 0 0 0 0 " + strconv.Itoa(ticks) + " 0 0 0"
		for name, s := range map[string]string{"comm": comm + "\n", "cmdline": cmdline, "stat": stat} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := &cpuMeter{proc: proc, targets: []cpuTarget{{Label: "pg", Comm: "pg"}, {Label: "one", PID: 30}, {Label: "db1", Comm: "pg", Cmdline: "db1"}}}
	write(10, "pg", "pg: db1", 100)
	write(11, "pg", "pg: db2", 50)
	write(30, "other", "", 7)
	a := m.sample()
	write(10, "pg", "pg: db1", 150)
	write(12, "pg", "pg: db1", 20) // started in between
	if err := os.RemoveAll(filepath.Join(proc, "11")); err != nil {
		t.Fatal(err)
	}
	write(30, "other", "", 9)
	got := m.between(a, m.sample())
	want := []cpuUse{{"pg", 700 * time.Millisecond, 2}, {"one", 20 * time.Millisecond, 1}, {"db1", 700 * time.Millisecond, 2}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("use %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
