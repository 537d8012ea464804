package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/egress"
	"github.com/parley-chat/parley/hub/web"
)

// Config is the whole configuration of a node, built from PARLEY_*
// environment variables, which flags may override.
type Config struct {
	Addr        string // PARLEY_ADDR
	AdminAddr   string // PARLEY_ADMIN_ADDR: /metrics and /debug/pprof/; "" = /metrics on Addr, no pprof
	BaseURL     string // PARLEY_BASE_URL
	DataDir     string // PARLEY_DATA_DIR
	DatabaseURL string // PARLEY_DATABASE_URL(_FILE); "" = SQLite in DataDir
	RedisURL    string // PARLEY_REDIS_URL(_FILE); "" = in-process broker
	RedisPrefix string // PARLEY_REDIS_PREFIX
	SecretKey   string // PARLEY_SECRET_KEY(_FILE); "" = generated once, kept in the store
	// PreviousSecretKeys still verify file links after a change of
	// PARLEY_SECRET_KEY (PARLEY_SECRET_KEY_PREVIOUS(_FILE), comma-separated).
	PreviousSecretKeys []string
	LogLevel           string        // PARLEY_LOG_LEVEL
	LogFormat          string        // PARLEY_LOG_FORMAT: auto, json or console
	NodeID             string        // PARLEY_NODE_ID
	ShutdownTimeout    time.Duration // PARLEY_SHUTDOWN_TIMEOUT
	Demo               bool          // PARLEY_DEMO: seed a demo workspace into an empty store
	AIBaseURL          string        // PARLEY_AI_BASE_URL: an OpenAI-compatible API; "" = the built-in assistant
	AIModel            string        // PARLEY_AI_MODEL
	AIEmbeddingModel   string        // PARLEY_AI_EMBEDDING_MODEL: "" = lexical retrieval only
	AIKey              string        // PARLEY_AI_API_KEY(_FILE)
	AITimeout          time.Duration // PARLEY_AI_TIMEOUT: per request to the model
	SMTPURL            string        // PARLEY_SMTP_URL(_FILE); "" = mail is logged, not sent
	MailFrom           string        // PARLEY_MAIL_FROM
	// Accounts.
	SignupOpen   bool          // PARLEY_SIGNUP: open (default) or closed
	SessionCheck time.Duration // PARLEY_SESSION_CHECK: how often agent sockets re-check their session
	// Proxies are the reverse proxies trusted for X-Forwarded-For and a
	// CDN's country header (PARLEY_TRUSTED_PROXIES).
	Proxies web.Proxies
	// AllowPrivate are the reserved ranges that requests on a
	// workspace's behalf may reach (PARLEY_ALLOW_PRIVATE_URLS; hub/egress).
	AllowPrivate []netip.Prefix
	// Support is the platform team's hours, which set the due times of
	// support tickets (PARLEY_SUPPORT_TIME_ZONE, _HOURS, _DAYS).
	Support hub.SupportPolicy
	// env holds the environment, for the per-site model keys
	// (PARLEY_AI_KEY_<NAME>, or _FILE) that site settings name.
	env map[string]string
}

// mailHost is the host of the base URL, for the default sender.
func (c Config) mailHost() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
}

// lookupEnv finds a variable of the node's environment.
func (c Config) lookupEnv(name string) (string, bool) {
	v, ok := c.env[name]
	return v, ok
}

// envVar documents one variable; the README's table is written from these.
type envVar struct {
	name, def, help string
	secret          bool
}

var envVars = []envVar{
	{"PARLEY_ADDR", ":8080", "address to listen on", false},
	{"PARLEY_ADMIN_ADDR", "(none: /metrics on PARLEY_ADDR)", "address of the operator's listener for /metrics and /debug/pprof/, e.g. 127.0.0.1:9090; keep it private (no authentication)", false},
	{"PARLEY_BASE_URL", "http://localhost:<port>", "public URL of the hub, used in snippets, emails and as the dashboard's origin", false},
	{"PARLEY_DATA_DIR", "./parley-data", "directory for the SQLite database and uploads", false},
	{"PARLEY_DATABASE_URL", "(SQLite in the data dir)", "postgres://… to use Postgres", true},
	{"PARLEY_REDIS_URL", "(in-process broker)", "redis://… to fan out between nodes through Redis", true},
	{"PARLEY_REDIS_PREFIX", "parley:", "prefix of every Redis channel, to share one Redis between deployments", false},
	{"PARLEY_SECRET_KEY", "(generated, kept in the store)", "key that signs visitor tokens and file links; all nodes must share it", true},
	{"PARLEY_SECRET_KEY_PREVIOUS", "(none)", "after changing PARLEY_SECRET_KEY: the former key(s), comma-separated, so that file links handed out before keep working until they expire (a day)", true},
	{"PARLEY_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"PARLEY_LOG_FORMAT", "auto", "auto (console on a terminal, else JSON), json or console", false},
	{"PARLEY_NODE_ID", "(host name and a random suffix)", "name of this node in logs and metrics", false},
	{"PARLEY_SHUTDOWN_TIMEOUT", "15s", "hard deadline for a graceful shutdown", false},
	{"PARLEY_DEMO", "true", "create a demo workspace when the store is empty", false},
	{"PARLEY_AI_BASE_URL", "(the built-in assistant)", "OpenAI-compatible API for the assistant, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)", false},
	{"PARLEY_AI_MODEL", "", "model name for PARLEY_AI_BASE_URL, e.g. gpt-4o-mini or llama3.1", false},
	{"PARLEY_AI_EMBEDDING_MODEL", "(none: lexical retrieval only)", "embedding model at PARLEY_AI_BASE_URL for the model's knowledge-base retrieval, e.g. text-embedding-3-small or bge-m3; a multilingual one finds entries across languages", false},
	{"PARLEY_AI_API_KEY", "", "API key for PARLEY_AI_BASE_URL; a site may name its own in PARLEY_AI_KEY_<workspace id>_<NAME>", true},
	{"PARLEY_AI_TIMEOUT", "20s", "time limit of one request to the model; it is retried, then the built-in assistant answers", false},
	{"PARLEY_SMTP_URL", "(mail is logged, not sent)", "smtp://user:password@host:587 (STARTTLS) or smtps://…:465 to send ticket and reply emails", true},
	{"PARLEY_MAIL_FROM", "Parley <parley@(base URL host)>", "sender of Parley's emails", false},
	{"PARLEY_SIGNUP", "open", "open: anyone may create a workspace (POST /api/v1/auth/signup); closed: only invitations and `parley user add`", false},
	{"PARLEY_SUPPORT_TIME_ZONE", "Europe/Moscow", "time zone of the platform support team's business hours (IANA name)", false},
	{"PARLEY_SUPPORT_HOURS", "09:00-18:00", "the support team's working hours; support tickets' due times count business time in them", false},
	{"PARLEY_SUPPORT_DAYS", "mon-fri", "the support team's working days: a range such as mon-fri, or a list such as mon,tue,wed,thu,fri,sat", false},
	{"PARLEY_TRUSTED_PROXIES", "(none)", "comma-separated addresses or CIDR ranges of your reverse proxies; only their X-Forwarded-For (client IP for rate limits) and CF-IPCountry-style country headers are believed", false},
	{"PARLEY_ALLOW_PRIVATE_URLS", "(none)", "comma-separated CIDR ranges or addresses that a site's own model base URL may reach although private or local, e.g. 10.0.0.0/8 for a model server on your network; PARLEY_AI_BASE_URL is yours and never restricted", false},
	{"PARLEY_SESSION_CHECK", "30s", "how often agent websockets re-check their session (at most 1m); a logout, removal or role change closes them at once, and within this time if that event is lost", false},
}

// loadConfig reads env (a list of KEY=VALUE) and then flags from args. It
// returns the config, warnings worth logging, and an error that says what
// to set when the configuration cannot work.
func loadConfig(args []string, env []string, stderr io.Writer) (Config, []string, error) {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var warnings []string
	known := map[string]bool{}
	for _, ev := range envVars {
		known[ev.name] = true
		if ev.secret {
			known[ev.name+"_FILE"] = true
		}
	}
	var unknown []string
	for k := range vars {
		if strings.HasPrefix(k, "PARLEY_") && !known[k] && !strings.HasPrefix(k, "PARLEY_TEST_") && !strings.HasPrefix(k, "PARLEY_AI_KEY_") {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		warnings = append(warnings, fmt.Sprintf("unknown environment variable %s is ignored", k))
	}

	get := func(name, def string) string {
		if v, ok := vars[name]; ok && v != "" {
			return v
		}
		return def
	}
	secret := func(name string) (string, error) {
		if path := vars[name+"_FILE"]; path != "" {
			if vars[name] != "" {
				return "", fmt.Errorf("set only one of %s and %s_FILE", name, name)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%s_FILE: %w", name, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
		return vars[name], nil
	}

	c := Config{
		Addr:             get("PARLEY_ADDR", ":8080"),
		AdminAddr:        get("PARLEY_ADMIN_ADDR", ""),
		BaseURL:          get("PARLEY_BASE_URL", ""),
		DataDir:          get("PARLEY_DATA_DIR", "./parley-data"),
		LogLevel:         get("PARLEY_LOG_LEVEL", "info"),
		LogFormat:        get("PARLEY_LOG_FORMAT", "auto"),
		NodeID:           get("PARLEY_NODE_ID", ""),
		RedisPrefix:      get("PARLEY_REDIS_PREFIX", "parley:"),
		AIBaseURL:        get("PARLEY_AI_BASE_URL", ""),
		AIModel:          get("PARLEY_AI_MODEL", ""),
		AIEmbeddingModel: get("PARLEY_AI_EMBEDDING_MODEL", ""),
		MailFrom:         get("PARLEY_MAIL_FROM", ""),
		env:              vars,
	}
	var err error
	if c.DatabaseURL, err = secret("PARLEY_DATABASE_URL"); err != nil {
		return c, warnings, err
	}
	if c.RedisURL, err = secret("PARLEY_REDIS_URL"); err != nil {
		return c, warnings, err
	}
	if c.SecretKey, err = secret("PARLEY_SECRET_KEY"); err != nil {
		return c, warnings, err
	}
	previous, err := secret("PARLEY_SECRET_KEY_PREVIOUS")
	if err != nil {
		return c, warnings, err
	}
	for _, k := range strings.Split(previous, ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.PreviousSecretKeys = append(c.PreviousSecretKeys, k)
		}
	}
	if c.AIKey, err = secret("PARLEY_AI_API_KEY"); err != nil {
		return c, warnings, err
	}
	if c.SMTPURL, err = secret("PARLEY_SMTP_URL"); err != nil {
		return c, warnings, err
	}
	if c.AIBaseURL != "" {
		if u, err := url.Parse(c.AIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, warnings, fmt.Errorf("PARLEY_AI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1")
		}
		if c.AIModel == "" {
			return c, warnings, fmt.Errorf("PARLEY_AI_BASE_URL is set: set PARLEY_AI_MODEL to the model's name too")
		}
	}
	if len(c.AIEmbeddingModel) > 200 {
		return c, warnings, fmt.Errorf("PARLEY_AI_EMBEDDING_MODEL is over 200 characters: set it to the embedding model's name")
	}
	if c.AIEmbeddingModel != "" && c.AIBaseURL == "" && c.AIModel == "" {
		warnings = append(warnings, "PARLEY_AI_EMBEDDING_MODEL is set without PARLEY_AI_BASE_URL or PARLEY_AI_MODEL: it is used only by sites with their own model")
	}
	if c.AITimeout, err = time.ParseDuration(get("PARLEY_AI_TIMEOUT", "20s")); err != nil || c.AITimeout <= 0 {
		return c, warnings, fmt.Errorf("PARLEY_AI_TIMEOUT must be a positive duration such as 20s")
	}
	if c.ShutdownTimeout, err = time.ParseDuration(get("PARLEY_SHUTDOWN_TIMEOUT", "15s")); err != nil || c.ShutdownTimeout <= 0 {
		return c, warnings, fmt.Errorf("PARLEY_SHUTDOWN_TIMEOUT must be a positive duration such as 15s")
	}
	switch v := strings.ToLower(get("PARLEY_SIGNUP", "open")); v {
	case "open":
		c.SignupOpen = true
	case "closed":
	default:
		return c, warnings, fmt.Errorf("PARLEY_SIGNUP must be open or closed, not %q", v)
	}
	if c.SessionCheck, err = time.ParseDuration(get("PARLEY_SESSION_CHECK", "30s")); err != nil || c.SessionCheck <= 0 || c.SessionCheck > time.Minute {
		return c, warnings, fmt.Errorf("PARLEY_SESSION_CHECK must be a duration from 1ms to 1m, such as 30s")
	}
	if c.Support, err = supportPolicy(get("PARLEY_SUPPORT_TIME_ZONE", "Europe/Moscow"), get("PARLEY_SUPPORT_HOURS", "09:00-18:00"),
		get("PARLEY_SUPPORT_DAYS", "mon-fri")); err != nil {
		return c, warnings, err
	}
	if c.Proxies, err = web.ParseProxies(get("PARLEY_TRUSTED_PROXIES", "")); err != nil {
		return c, warnings, fmt.Errorf("PARLEY_TRUSTED_PROXIES: %v; list your proxies' addresses, such as 10.0.0.0/8,127.0.0.1", err)
	}
	if c.AllowPrivate, err = egress.ParseAllow(get("PARLEY_ALLOW_PRIVATE_URLS", "")); err != nil {
		return c, warnings, fmt.Errorf("PARLEY_ALLOW_PRIVATE_URLS: %v; list ranges such as 10.0.0.0/8,192.168.1.20", err)
	}
	switch v := strings.ToLower(get("PARLEY_DEMO", "true")); v {
	case "true", "1", "yes":
		c.Demo = true
	case "false", "0", "no":
	default:
		return c, warnings, fmt.Errorf("PARLEY_DEMO must be true or false, not %q", v)
	}

	fs := flag.NewFlagSet("parley", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (PARLEY_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL (PARLEY_BASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (PARLEY_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "Postgres URL (PARLEY_DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL (PARLEY_REDIS_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level (PARLEY_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return c, warnings, err
	}
	if fs.NArg() > 0 {
		return c, warnings, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, warnings, c.validate()
}

func (c *Config) validate() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("PARLEY_ADDR %q must be host:port, e.g. :8080 or 127.0.0.1:8080", c.Addr)
	}
	if c.BaseURL == "" {
		c.BaseURL = defaultBaseURL(host, port)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("PARLEY_BASE_URL %q must be an absolute http(s) URL such as https://chat.example.com", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("PARLEY_DATABASE_URL must start with postgres:// (leave it empty for SQLite)")
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		return fmt.Errorf("PARLEY_REDIS_URL must start with redis:// or rediss:// (leave it empty for the in-process broker)")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("PARLEY_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "auto", "json", "console":
	default:
		return fmt.Errorf("PARLEY_LOG_FORMAT must be auto, json or console, not %q", c.LogFormat)
	}
	if c.DataDir == "" {
		return fmt.Errorf("PARLEY_DATA_DIR must not be empty")
	}
	c.DataDir = filepath.Clean(c.DataDir)
	return nil
}

// defaultBaseURL is the base URL when none is set: the listening address,
// with localhost for a wildcard host. serve calls it again with the real
// port when PARLEY_ADDR asks for any free port (:0).
func defaultBaseURL(host, port string) string {
	return hostURL(host, port, "localhost")
}

// hostURL is http://host:port, with name for a wildcard host (a listener
// on every interface, such as ":8080").
func hostURL(host, port, name string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = name
	}
	return "http://" + net.JoinHostPort(host, port)
}

// origin is the dashboard's own origin, derived from the base URL.
func (c *Config) origin() string {
	return hub.OriginOf(c.BaseURL)
}

// supportPolicy reads the support team's business hours.
func supportPolicy(zone, hours, days string) (hub.SupportPolicy, error) {
	var p hub.SupportPolicy
	start, end, ok := strings.Cut(hours, "-")
	p.Hours = hub.BusinessHours{TimeZone: zone, Start: strings.TrimSpace(start), End: strings.TrimSpace(end)}
	names := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
	if from, to, isRange := strings.Cut(days, "-"); isRange {
		a, okA := names[strings.TrimSpace(strings.ToLower(from))]
		b, okB := names[strings.TrimSpace(strings.ToLower(to))]
		if !okA || !okB || a > b {
			return p, fmt.Errorf("PARLEY_SUPPORT_DAYS must be a range such as mon-fri or a list such as mon,wed,fri")
		}
		for d := a; d <= b; d++ {
			p.Hours.Days = append(p.Hours.Days, d)
		}
	} else {
		for _, name := range strings.Split(days, ",") {
			d, known := names[strings.TrimSpace(strings.ToLower(name))]
			if !known {
				return p, fmt.Errorf("PARLEY_SUPPORT_DAYS must be a range such as mon-fri or a list such as mon,wed,fri")
			}
			p.Hours.Days = append(p.Hours.Days, d)
		}
	}
	if !ok {
		return p, fmt.Errorf("PARLEY_SUPPORT_HOURS must look like 09:00-18:00")
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("PARLEY_SUPPORT_TIME_ZONE/PARLEY_SUPPORT_HOURS: %v", err)
	}
	return p, nil
}

// addressWarnings says when the listen address and the base URL disagree
// in a way that breaks the dashboard and the widget: browsers must use the
// base URL's origin exactly (websockets and cookie-authenticated changes
// accept no other), so a base URL on this host with another port than
// the one Parley listens on is only right behind a proxy that forwards
// it. Behind a proxy with a public name there is nothing to say.
func (c *Config) addressWarnings(listen string) []string {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil
	}
	basePort := u.Port()
	if basePort == "" {
		basePort = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if !localHost(u.Hostname()) || basePort == port {
		return nil
	}
	return []string{fmt.Sprintf("PARLEY_BASE_URL is %s but Parley listens on port %s: browsers that open %s reach it only "+
		"through a proxy that forwards port %s to %s; otherwise set PARLEY_BASE_URL=%s://%s",
		c.BaseURL, port, c.BaseURL, basePort, port, u.Scheme, net.JoinHostPort(u.Hostname(), port))}
}

// localHost reports whether host names this machine.
func localHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
