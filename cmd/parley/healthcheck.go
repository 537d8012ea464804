package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck asks a running node whether it is ready (GET /readyz) and
// fails unless it answers 200 within the timeout: the container image's
// HEALTHCHECK, which has no curl. The node is the one PARLEY_ADDR names on
// this host, or -url.
func healthcheck(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig(nil, env, stderr)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", localURL(cfg.Addr)+"/readyz", "the URL to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", *target, resp.StatusCode, body)
	}
	_, err = fmt.Fprintf(stdout, "ok: %s\n", body)
	return err
}

// localURL is the URL of this host's listener on addr (":8080" is
// http://127.0.0.1:8080).
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	return hostURL(host, port, "127.0.0.1")
}
