package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/dashboard"
	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/egress"
	"github.com/parley-chat/parley/hub/metrics"
	"github.com/parley-chat/parley/hub/ratelimit"
	"github.com/parley-chat/parley/hub/realtime"
	"github.com/parley-chat/parley/hub/web"
	"github.com/parley-chat/parley/hub/web/openapi"
	"github.com/parley-chat/parley/widget"
)

// readyTimeout bounds each readiness check (store ping, broker round trip).
const readyTimeout = 2 * time.Second

// node is one running hub: store, broker, realtime engine and HTTP app.
type node struct {
	cfg     Config
	log     zerolog.Logger
	store   database
	broker  hub.Broker
	rt      *realtime.Node
	svc     *hub.Service
	metrics *metrics.Metrics
	app     *fiber.App
	workers *workers
	// builtin is the node's built-in assistant, which keeps a knowledge
	// index per site: every node drops its index of a site when it hears
	// hub.EventKnowledgeChanged.
	builtin *assistant.Builtin
	// demo is the demo workspace's login when this node created it.
	demo *demoAccount
	// contract is the REST API's OpenAPI document, built once at start.
	contract []byte
	// closeLimits closes the Redis connections of the limits, if any.
	closeLimits func() error
}

func serve(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, warnings, err := loadConfig(args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (PARLEY_ADDR): %w", cfg.Addr, err)
	}
	if host, port, _ := net.SplitHostPort(cfg.Addr); port == "0" && cfg.BaseURL == defaultBaseURL(host, port) {
		// Any free port was asked for: the default base URL names the
		// one the system chose.
		_, port, _ = net.SplitHostPort(ln.Addr().String())
		cfg.BaseURL = defaultBaseURL(host, port)
	}
	for _, w := range cfg.addressWarnings(ln.Addr().String()) {
		log.Warn().Msg(w)
	}
	n, err := start(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info().Str("addr", ln.Addr().String()).Str("base_url", cfg.BaseURL).Str("node", n.rt.NodeID()).
		Str("version", version).Msg("listening")
	if n.demo != nil && consoleLog(cfg, stdout) {
		n.demo.print(stdout)
	}
	var adm *admin
	if cfg.AdminAddr != "" {
		if adm, err = n.startAdmin(cfg.AdminAddr); err != nil {
			ln.Close()
			n.close()
			return fmt.Errorf("listen on %s (PARLEY_ADMIN_ADDR): %w", cfg.AdminAddr, err)
		}
	}

	served := make(chan error, 1)
	go func() { served <- n.app.Listener(ln) }()
	select {
	case err = <-served:
		n.close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info().Dur("deadline", cfg.ShutdownTimeout).Msg("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := adm.shutdown(sctx); err != nil {
		log.Warn().Err(err).Msg("admin shutdown")
	}
	n.shutdown(sctx)
	log.Info().Msg("stopped")
	return nil
}

// start opens the store and broker and builds the app, without listening.
func start(ctx context.Context, cfg Config, log zerolog.Logger) (*node, error) {
	db, kind, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	n := &node{cfg: cfg, log: log, store: db, metrics: metrics.New()}
	secret := cfg.SecretKey
	if secret == "" {
		// Generated once and shared through the store, so every node
		// accepts the visitor tokens any node issued.
		if secret, err = db.EnsureSetting(ctx, "visitor_token_secret", hub.RandomToken(32)); err != nil {
			db.Close()
			return nil, fmt.Errorf("load secret: %w", err)
		}
	}
	n.svc = &hub.Service{Store: db, Log: log, Secret: []byte(secret), Observer: n.metrics}
	for _, k := range cfg.PreviousSecretKeys {
		n.svc.PreviousSecrets = append(n.svc.PreviousSecrets, []byte(k))
	}
	n.svc.BaseURL, n.svc.SignupClosed, n.svc.Support = cfg.BaseURL, !cfg.SignupOpen, cfg.Support
	n.svc.CheckURL = func(ctx context.Context, u string) error { return egress.CheckURL(ctx, u, cfg.AllowPrivate) }
	// Limits hold across the cluster in Redis, or in this node's memory.
	n.svc.Limits, n.closeLimits = ratelimit.NewMemory(), func() error { return nil }
	if cfg.RedisURL != "" {
		limits, err := ratelimit.NewRedis(cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
		}
		n.svc.Limits, n.closeLimits = limits, limits.Close
	}
	n.builtin = &assistant.Builtin{Knowledge: db}
	n.rt = realtime.New(realtime.Config{Service: n.svc, Log: log, Metrics: n.metrics, NodeID: cfg.NodeID,
		AgentOrigins: []string{cfg.origin()}, WidgetOrigins: []string{cfg.origin()},
		SessionCheck:     cfg.SessionCheck,
		KnowledgeChanged: func(c hub.KnowledgeChange) { n.builtin.Invalidate(c.SiteID) }})
	if cfg.RedisURL != "" {
		n.broker, err = broker.NewRedis(ctx, n.rt, broker.RedisConfig{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Name: n.rt.NodeID(), Metrics: n.metrics, Logger: log})
	} else {
		n.broker = broker.NewMemory(n.rt, broker.MemoryConfig{Metrics: n.metrics})
	}
	if err != nil {
		n.closeLimits()
		db.Close()
		return nil, fmt.Errorf("connect broker (PARLEY_REDIS_URL): %w", err)
	}
	if err := n.rt.Start(n.broker); err != nil {
		n.broker.Close()
		n.closeLimits()
		db.Close()
		return nil, fmt.Errorf("start realtime: %w", err)
	}
	n.svc.Publisher = n.rt
	brokerKind := "memory"
	if cfg.RedisURL != "" {
		brokerKind = "redis"
	}
	log.Info().Str("store", kind).Str("broker", brokerKind).Msg("store and broker ready")

	if n.demo, err = seedDemo(ctx, cfg, n.svc, log); err != nil {
		n.close()
		return nil, fmt.Errorf("seed demo workspace: %w", err)
	}
	if n.contract, err = openapi.Build(version, widget.Routes(), dashboard.Routes()); err != nil {
		n.close()
		return nil, fmt.Errorf("build the API contract: %w", err)
	}
	n.app = n.newApp()
	if err := n.startWorkers(); err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

func (n *node) newApp() *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ErrorHandler:          web.ErrorHandler,
		BodyLimit:             hub.MaxAttachmentBytes + 1<<20, // JSON bodies: web.MaxJSONBytes
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	realtime.Prepare(app)
	app.Use(web.Middleware(n.log))
	app.Use(n.cfg.Proxies.Middleware)
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", n.ready)
	if n.cfg.AdminAddr == "" {
		// Without an admin listener the metrics are public (admin.go).
		app.Get("/metrics", adaptor.HTTPHandler(n.metricsHandler()))
	}
	// The contract, public, before the member API's authentication.
	app.Get(openapi.Self.Path, openapi.Handler(n.contract))
	widget.Mount(app, widget.Config{Service: n.svc, Realtime: n.rt, BaseURL: n.cfg.BaseURL, DemoSiteKey: func(ctx context.Context) (string, error) {
		return n.store.FindSetting(ctx, demoSiteKeySetting)
	}})
	dashboard.Mount(app, dashboard.Config{Service: n.svc, Realtime: n.rt, BaseURL: n.cfg.BaseURL})
	return app
}

// ready answers 200 only when the store answers and an event makes a round
// trip through the broker, each within readyTimeout. Anyone may ask, so
// the answer holds states only ("ok", "unavailable"); the causes go to the
// log.
func (n *node) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	checks := fiber.Map{"store": "ok", "broker": "ok"}
	ok := true
	if err := n.store.Ping(ctx); err != nil {
		checks["store"], ok = "unavailable", false
		n.metrics.StoreError()
		web.Logger(c).Warn().Err(err).Msg("not ready: the store does not answer")
	}
	if err := n.rt.Probe(ctx); err != nil {
		checks["broker"], ok = "unavailable", false
		web.Logger(c).Warn().Err(err).Msg("not ready: events do not make the round trip through the broker")
	}
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": checks})
}

// shutdown stops accepting, closes every websocket with 1001, drains
// requests, then closes broker and store, all before ctx's deadline.
func (n *node) shutdown(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := n.app.ShutdownWithContext(ctx); err != nil {
			n.log.Warn().Err(err).Msg("http shutdown")
		}
	}()
	go func() {
		defer wg.Done()
		if err := n.rt.Shutdown(ctx); err != nil {
			n.log.Warn().Err(err).Msg("realtime shutdown")
		}
	}()
	wg.Wait()
	n.close()
}

func (n *node) close() {
	n.workers.stop()
	if err := n.broker.Close(); err != nil {
		n.log.Warn().Err(err).Msg("close broker")
	}
	if err := n.closeLimits(); err != nil {
		n.log.Warn().Err(err).Msg("close limits")
	}
	if err := n.store.Close(); err != nil {
		n.log.Warn().Err(err).Msg("close store")
	}
}

// seedDemo creates, on an empty store, a demo workspace whose site accepts
// the hub's own origin, and logs how to sign in. Exactly one node seeds,
// even when several start at once.
func seedDemo(ctx context.Context, cfg Config, svc *hub.Service, log zerolog.Logger) (*demoAccount, error) {
	if !cfg.Demo {
		return nil, nil
	}
	claim := hub.RandomToken(12)
	winner, err := svc.Store.EnsureSetting(ctx, "demo_seed_claim", claim)
	if err != nil {
		return nil, err
	}
	if winner != claim {
		return nil, nil // another node seeds, or did long ago
	}
	if n, err := svc.Store.CountTenants(ctx); err != nil || n > 0 {
		return nil, err
	}
	password := hub.RandomToken(12)
	tenant, owner, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Demo", Email: "owner@demo.parley.local", Name: "Demo Owner", Password: password})
	if err != nil {
		return nil, err
	}
	site, err := svc.CreateSite(ctx, hub.Actor{Kind: hub.ActorSystem}, hub.NewSite{TenantID: tenant.ID, Name: "Demo site", AllowedOrigins: []string{cfg.origin()}})
	if err != nil {
		return nil, err
	}
	if _, err := svc.Store.EnsureSetting(ctx, demoSiteKeySetting, site.Key); err != nil {
		return nil, err
	}
	for _, e := range demoKnowledge {
		e.SiteID = site.ID
		if _, err := svc.CreateKnowledgeEntry(ctx, hub.Actor{Kind: hub.ActorSystem}, e); err != nil {
			return nil, err
		}
	}
	d := &demoAccount{dashboard: cfg.BaseURL + "/", email: owner.Email, password: password, page: cfg.BaseURL + "/demo"}
	log.Info().Str("dashboard", d.dashboard).Str("email", d.email).Str("password", d.password).
		Str("demo_page", d.page).Msg("created a demo workspace: sign in with this login (shown once)")
	return d, nil
}

// demoAccount is the demo workspace's login, shown once.
type demoAccount struct{ dashboard, email, password, page string }

// print writes the login for a person at a terminal, where a log line
// with five fields is hard to read.
func (d *demoAccount) print(w io.Writer) {
	fmt.Fprintf(w, "\n  Parley is running. A demo workspace was created; this login is shown once:\n\n"+
		"    Dashboard:   %s\n    Email:       %s\n    Password:    %s\n    Demo page:   %s (a customer's page with the chat)\n\n",
		d.dashboard, d.email, d.password, d.page)
}

// demoKnowledge is what the demo site's assistant knows, in English and
// Russian, so that a first run shows it answering.
var demoKnowledge = []hub.NewKnowledgeEntry{
	{Kind: hub.KnowledgeQA, Title: "How long does shipping take?",
		Body: "Orders ship within one business day. Delivery takes 2–4 business days in the EU and 5–8 days elsewhere."},
	{Kind: hub.KnowledgeQA, Title: "How do I reset my password?",
		Body: "Click “Forgot password?” on the sign-in page and follow the link we email you. The link works for one hour."},
	{Kind: hub.KnowledgeQA, Title: "What are your opening hours?",
		Body: "Our support team works Monday to Friday, 9:00–18:00 (Moscow time). The assistant answers around the clock."},
	{Kind: hub.KnowledgeQA, Title: "Сколько идёт доставка?",
		Body: "Заказы отправляем в течение одного рабочего дня. Доставка по России занимает 2–5 рабочих дней."},
	{Kind: hub.KnowledgeQA, Title: "Как сбросить пароль?",
		Body: "Нажмите «Забыли пароль?» на странице входа и перейдите по ссылке из письма. Ссылка действует один час."},
}

// demoSiteKeySetting names the setting that holds the demo site's key.
const demoSiteKeySetting = "demo_site_key"
