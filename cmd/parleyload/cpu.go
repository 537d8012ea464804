package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuTarget names the processes whose CPU one line of the report sums:
// one pid, or every process whose comm is Comm (and, when Cmdline is set,
// whose command line contains it: "postgres:parley_bench" picks one
// database's backends).
type cpuTarget struct {
	Label   string
	PID     int
	Comm    string
	Cmdline string
}

// parseCPUTargets reads -cpu: label=PID or label=COMM or
// label=COMM:CMDLINE-SUBSTRING, comma-separated.
func parseCPUTargets(s string) ([]cpuTarget, error) {
	var ts []cpuTarget
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		label, what, ok := strings.Cut(part, "=")
		if !ok || label == "" || what == "" {
			return nil, fmt.Errorf("-cpu: %q is not label=PID or label=NAME", part)
		}
		t := cpuTarget{Label: label}
		if pid, err := strconv.Atoi(what); err == nil {
			if pid <= 0 {
				return nil, fmt.Errorf("-cpu: %q: a pid is positive", part)
			}
			t.PID = pid
		} else {
			t.Comm, t.Cmdline, _ = strings.Cut(what, ":")
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// parseStatTicks returns utime+stime from the contents of /proc/<pid>/stat.
// The command name is in parentheses and may hold spaces and parentheses,
// so fields are counted after the last ')'.
func parseStatTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("stat: no ')'")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the name, want at least 13", len(f))
	}
	u, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: utime: %w", err)
	}
	s, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: stime: %w", err)
	}
	return u + s, nil
}

// cpuSample is each target's processes' CPU ticks at one moment, by pid.
type cpuSample struct {
	at    time.Time
	ticks []map[int]int64
}

// cpuMeter samples the targets from proc (normally /proc).
type cpuMeter struct {
	proc    string
	targets []cpuTarget
}

func newCPUMeter(spec string) (*cpuMeter, error) {
	ts, err := parseCPUTargets(spec)
	if err != nil {
		return nil, err
	}
	// The load generator shares the machine: always show its own share.
	ts = append(ts, cpuTarget{Label: "parleyload", PID: os.Getpid()})
	return &cpuMeter{proc: "/proc", targets: ts}, nil
}

func (m *cpuMeter) sample() cpuSample {
	s := cpuSample{at: time.Now(), ticks: make([]map[int]int64, len(m.targets))}
	var byName []int // pids of all processes, read once when a target needs names
	for i, t := range m.targets {
		s.ticks[i] = map[int]int64{}
		if t.PID != 0 {
			if n, err := m.ticksOf(t.PID); err == nil {
				s.ticks[i][t.PID] = n
			}
			continue
		}
		if byName == nil {
			byName = m.pids()
		}
		for _, pid := range byName {
			if !m.matches(pid, t) {
				continue
			}
			if n, err := m.ticksOf(pid); err == nil {
				s.ticks[i][pid] = n
			}
		}
	}
	return s
}

func (m *cpuMeter) pids() []int {
	ents, err := os.ReadDir(m.proc)
	if err != nil {
		return []int{}
	}
	pids := []int{}
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (m *cpuMeter) matches(pid int, t cpuTarget) bool {
	comm, err := os.ReadFile(filepath.Join(m.proc, strconv.Itoa(pid), "comm"))
	if err != nil || strings.TrimSpace(string(comm)) != t.Comm {
		return false
	}
	if t.Cmdline == "" {
		return true
	}
	cmd, err := os.ReadFile(filepath.Join(m.proc, strconv.Itoa(pid), "cmdline"))
	return err == nil && strings.Contains(string(cmd), t.Cmdline)
}

func (m *cpuMeter) ticksOf(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join(m.proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(string(b))
}

// cpuUse is one target's CPU time between two samples.
type cpuUse struct {
	Label string
	CPU   time.Duration
	Procs int
}

// between returns each target's CPU used from a to b. A process that
// started in between counts whole; one that ended in between is missed
// (short-lived processes are under-counted).
func (m *cpuMeter) between(a, b cpuSample) []cpuUse {
	out := make([]cpuUse, len(m.targets))
	for i, t := range m.targets {
		var d int64
		for pid, n := range b.ticks[i] {
			d += n - a.ticks[i][pid]
		}
		out[i] = cpuUse{Label: t.Label, CPU: time.Duration(d) * time.Second / clockTicks, Procs: len(b.ticks[i])}
	}
	return out
}

// report prints each target's CPU over wall time, per unit of work (msgs
// messages or sockets; none when 0).
func reportCPU(w io.Writer, uses []cpuUse, wall time.Duration, units int, unit string) {
	for _, u := range uses {
		fmt.Fprintf(w, "    cpu %-12s %7.0f ms  %5.1f%% of a core", u.Label, float64(u.CPU)/float64(time.Millisecond), 100*float64(u.CPU)/float64(wall))
		if units > 0 {
			fmt.Fprintf(w, "  %.3f ms per %s", float64(u.CPU)/float64(time.Millisecond)/float64(units), unit)
		}
		if u.Procs != 1 {
			fmt.Fprintf(w, "  (%d processes)", u.Procs)
		}
		fmt.Fprintln(w)
	}
}
