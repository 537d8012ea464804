package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxSteps bounds a ramp whatever its flags.
const maxSteps = 100

// rampRates lists the offered rates from from to at most to: each step
// multiplies the rate ("x1.5" or "1.5x") or adds to it ("+100").
func rampRates(from, to float64, step string) ([]float64, error) {
	if from <= 0 || to < from {
		return nil, fmt.Errorf("-from %g -to %g: want 0 < from <= to", from, to)
	}
	var next func(float64) float64
	switch {
	case strings.HasPrefix(step, "+"):
		add, err := strconv.ParseFloat(step[1:], 64)
		if err != nil || add <= 0 {
			return nil, fmt.Errorf("-step %q: +N with N > 0", step)
		}
		next = func(r float64) float64 { return r + add }
	case strings.HasPrefix(step, "x") || strings.HasSuffix(step, "x"):
		mul, err := strconv.ParseFloat(strings.Trim(step, "x"), 64)
		if err != nil || mul <= 1 {
			return nil, fmt.Errorf("-step %q: xF with F > 1", step)
		}
		next = func(r float64) float64 { return r * mul }
	default:
		return nil, fmt.Errorf("-step %q: want xF (multiply) or +N (add)", step)
	}
	var rates []float64
	for r := from; r <= to*(1+1e-9); r = next(r) {
		if len(rates) == maxSteps {
			return nil, fmt.Errorf("-from %g -to %g -step %s: more than %d steps", from, to, step, maxSteps)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// meets reports whether a step kept its p99s (ack and delivery) within
// bound, lost, refused and reordered nothing, and kept up: at least 90%
// of the offered rate completed. Otherwise it says why not.
func meets(res stepResult, bound time.Duration) (bool, string) {
	var why []string
	if res.AckSum.N == 0 || res.DeliverySum.N == 0 {
		why = append(why, "no samples")
	}
	if res.AckSum.P99 > bound {
		why = append(why, "ack p99 "+ms(res.AckSum.P99))
	}
	if res.DeliverySum.P99 > bound {
		why = append(why, "delivery p99 "+ms(res.DeliverySum.P99))
	}
	if res.Incomplete > 0 {
		why = append(why, strconv.Itoa(res.Incomplete)+" lost")
	}
	if res.Refused > 0 {
		why = append(why, strconv.Itoa(res.Refused)+" refused")
	}
	if res.Disordered > 0 {
		why = append(why, strconv.Itoa(res.Disordered)+" out of order")
	}
	if res.Achieved < 0.9*res.Rate {
		why = append(why, fmt.Sprintf("achieved %.0f/s of %.0f/s", res.Achieved, res.Rate))
	}
	return len(why) == 0, strings.Join(why, ", ")
}

// ramp raises the rate of the latency scenario step by step and stops at
// the first step that does not meet the p99 bound in -tries runs.
func ramp(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ramp", flag.ContinueOnError)
	var cf clusterFlags
	cf.register(fs)
	from := fs.Float64("from", 50, "first offered rate, messages a second")
	to := fs.Float64("to", 2000, "highest offered rate")
	step := fs.String("step", "x1.5", "next rate: xF multiplies by F, +N adds N")
	bound := fs.Duration("p99", 50*time.Millisecond, "bound on the ack and delivery p99s")
	stepDur := fs.Duration("step-duration", 10*time.Second, "how long each step sends")
	batch := fs.Int("batch", 50, "conversations one agent socket follows (a socket may subscribe to about 500)")
	tries := fs.Int("tries", 2, "times a step is run before the ramp stops at it")
	timeout := fs.Duration("timeout", 30*time.Minute, "bound on the whole ramp")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	if *batch <= 0 || *batch > 500 || *stepDur <= 0 || *tries <= 0 {
		return errors.New("-batch must be in 1..500, -step-duration and -tries positive")
	}
	rates, err := rampRates(*from, *to, *step)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	fl, r, err := cf.start(ctx, out)
	if err != nil {
		return err
	}
	defer r.close()
	fmt.Fprintf(out, "ramp: visitors@%s -> agents@%s, %s a step, p99 bound %s\n", cf.a, cf.b, *stepDur, *bound)
	best, err := climb(ctx, r, rates, *batch, *tries, *stepDur, *bound, fl, out)
	if best == 0 {
		fmt.Fprintf(out, "ramp: no step met p99 <= %s\n", *bound)
	} else {
		fmt.Fprintf(out, "ramp: highest offered rate meeting p99 <= %s: %.0f messages/s\n", *bound, best)
	}
	return err
}

// climb runs the steps until one misses the bound tries times in a row
// (on a shared machine one stall of the disk can pass a p99), or fails,
// and returns the highest rate that met it (0 for none).
func climb(ctx context.Context, r *rig, rates []float64, batch, tries int, d, bound time.Duration, fl floor, out io.Writer) (float64, error) {
	best := 0.0
	for i, rate := range rates {
		active := activeFor(rate, r.cf.perVisitor)
		for len(r.vs) < active {
			if err := r.grow(ctx, batch, 1, []string{r.cf.b}); err != nil {
				return best, fmt.Errorf("step %d: adding visitors: %w", i+1, err)
			}
		}
		met := false
		for try := 1; try <= tries && !met; try++ {
			res, err := r.step(ctx, rate, active, d)
			if err != nil {
				return best, fmt.Errorf("step %d: %w", i+1, err)
			}
			name := fmt.Sprintf("step %d", i+1)
			if try > 1 {
				name += fmt.Sprintf(" (try %d of %d)", try, tries)
			}
			res.print(out, name, fl)
			ok, why := meets(res, bound)
			if !ok {
				fmt.Fprintf(out, "%s misses the bound: %s\n", name, why)
			}
			met = ok
		}
		if !met {
			return best, nil
		}
		best = rate
	}
	return best, nil
}
