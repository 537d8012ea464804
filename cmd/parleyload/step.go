package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"time"
)

// stepResult is one step's figures.
type stepResult struct {
	Rate     float64 // offered, messages a second
	Active   int     // visitors sending
	Achieved float64 // messages acked and delivered everywhere, a second
	stepStats
	AckSum, DeliverySum summary
	ByNode              [2]summary
	CPU                 []cpuUse
	Wall                time.Duration
	Dropped             int // sockets closed so far in the run, by the server or the network
	FirstDrop           string
}

// activeFor is how many visitors send rate messages a second, each at
// most perVisitor.
func activeFor(rate, perVisitor float64) int {
	return max(1, int(math.Ceil(rate/perVisitor-1e-9)))
}

// step has the first active visitors send rate messages a second in all,
// evenly spread, for d; then waits (at most the drain time) for the acks
// and deliveries.
func (r *rig) step(ctx context.Context, rate float64, active int, d time.Duration) (stepResult, error) {
	if active > len(r.vs) {
		return stepResult{}, fmt.Errorf("step needs %d visitors, has %d", active, len(r.vs))
	}
	res := stepResult{Rate: rate, Active: active}
	r.led.take() // forget anything left from before
	cpu0 := r.cpu.sample()
	start := time.Now()
	end := start.Add(d)
	interval := time.Duration(float64(time.Second) * float64(active) / rate)
	var wg sync.WaitGroup
	errs := make(chan error, active)
	for i, v := range r.vs[:active] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			due := start.Add(interval * time.Duration(i) / time.Duration(active))
			for due.Before(end) {
				if err := sleepUntil(ctx, due); err != nil {
					errs <- err
					return
				}
				k := msgKey{v.i, v.next}
				v.next++
				r.led.sent(k, v.followers)
				data := map[string]string{"client_msg_id": r.run + "-" + strconv.Itoa(k.v) + "-" + strconv.Itoa(k.j), "body": body(k)}
				if err := v.c.send(ctx, "send", "m"+strconv.Itoa(k.j), data); err != nil {
					r.led.refused(k, err.Error())
					errs <- fmt.Errorf("visitor %d: %w", v.i, err)
					return
				}
				due = due.Add(interval)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	deadline := time.Now().Add(r.cf.drain)
	for r.led.outstanding() > 0 && time.Now().Before(deadline) {
		if err := sleepUntil(ctx, time.Now().Add(20*time.Millisecond)); err != nil {
			return res, err
		}
	}
	cpu1 := r.cpu.sample()
	res.stepStats = r.led.take()
	res.Wall = cpu1.at.Sub(cpu0.at)
	res.CPU = r.cpu.between(cpu0, cpu1)
	span := max(d, res.LastComplete.Sub(start))
	res.Achieved = float64(res.Complete) / span.Seconds()
	res.AckSum = summarize(res.Ack)
	all := append(append([]time.Duration(nil), res.Delivery[0]...), res.Delivery[1]...)
	res.DeliverySum = summarize(all)
	res.ByNode = [2]summary{summarize(res.Delivery[0]), summarize(res.Delivery[1])}
	if n := r.dropped.Load(); n > 0 {
		r.dropOnce.Do(func() {}) // returns once the first drop's Do has set firstDrop
		res.Dropped, res.FirstDrop = int(n), r.firstDrop.Error()
	}
	return res, nil
}

// print writes the step's figures, with the latencies as ratios to the
// floor: the ack to one commit, a delivery to a commit plus a publish.
func (res stepResult) print(w io.Writer, name string, fl floor) {
	fmt.Fprintf(w, "%s: offered %.0f/s, achieved %.0f/s; %d visitors, %d sent, %d refused, %d lost (%d deliveries missing), %d out of order\n",
		name, res.Rate, res.Achieved, res.Active, res.Sent, res.Refused, res.Incomplete, res.Missing, res.Disordered)
	fmt.Fprintf(w, "    ack      %s %s\n", res.AckSum, res.AckSum.ratio(fl.Commit))
	fmt.Fprintf(w, "    delivery %s %s (%d deliveries; the agents got %d frames in all)\n", res.DeliverySum, res.DeliverySum.ratio(fl.Message), res.DeliverySum.N, res.Frames)
	if res.ByNode[0].N > 0 && res.ByNode[1].N > 0 {
		fmt.Fprintf(w, "      to agents on a %s; on b %s\n", res.ByNode[0], res.ByNode[1])
	}
	if res.Others > 0 {
		fmt.Fprintf(w, "    and %d other messages to the agents (the assistant's answers)\n", res.Others)
	}
	if res.Dropped > 0 {
		fmt.Fprintf(w, "    %d sockets closed during the run; the first: %s\n", res.Dropped, res.FirstDrop)
	}
	if res.FirstRefusal != "" {
		fmt.Fprintf(w, "    first refusal: %s\n", res.FirstRefusal)
	}
	reportCPU(w, res.CPU, res.Wall, res.Sent, "message")
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
