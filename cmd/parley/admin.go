package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// admin is the optional listener for operators (PARLEY_ADMIN_ADDR):
// /metrics (Prometheus) and /debug/pprof/ (Go's profiler). Bind it to an
// address only the operator reaches (127.0.0.1, a private network, a port
// the proxy does not forward); it has no authentication of its own. With
// it set, the public listener no longer serves /metrics.
type admin struct {
	srv *http.Server
	ln  net.Listener
}

// startAdmin listens on addr and serves the operator's endpoints until
// shutdown.
func (n *node) startAdmin(addr string) (*admin, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.metricsHandler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	a := &admin{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error().Err(err).Msg("admin listener stopped")
		}
	}()
	n.log.Info().Str("addr", ln.Addr().String()).Msg("admin listening: /metrics and /debug/pprof/")
	return a, nil
}

// metricsHandler serves /metrics (Prometheus): on the admin listener when
// there is one, else on the public one (newApp).
func (n *node) metricsHandler() http.Handler {
	return promhttp.HandlerFor(n.metrics.Registry, promhttp.HandlerOpts{})
}

func (a *admin) shutdown(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return a.srv.Shutdown(ctx)
}
