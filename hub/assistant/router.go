package assistant

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/parley-chat/parley/hub"
	"github.com/rs/zerolog"
)

// routerMaxClients bounds the Router's cache of model clients. Keys that rotate
// add entries; when the cache is full it starts again empty, which only
// costs rebuilding the clients in use.
const routerMaxClients = 256

// Config configures a Router.
type Config struct {
	// Default is the node's model (PARLEY_AI_BASE_URL, PARLEY_AI_MODEL,
	// PARLEY_AI_EMBEDDING_MODEL, PARLEY_AI_KEY) and the request policy of
	// every model (Timeout, MaxAttempts, Backoff, HTTPClient). A site's
	// AIProvider overrides BaseURL, Model, EmbeddingModel and the key.
	// Default's Knowledge, Embeddings, Fallback and Log are not used: every
	// model gets the Config's Knowledge, Embeddings, Builtin and Log.
	Default OpenAIConfig
	// Builtin answers when no model is configured, when a site's model
	// cannot be set up, and when a model fails; required.
	Builtin hub.Assistant
	// Knowledge is given to the models; nil gives them no entries.
	Knowledge hub.KnowledgeSearcher
	// Embeddings keeps the entries' embeddings; nil means the models
	// retrieve lexically only.
	Embeddings hub.KnowledgeEmbeddingStore
	// SiteHTTPClient makes the requests to a base URL a site chose (not
	// the node's): hub/egress's guarded client. Nil uses Default's.
	SiteHTTPClient *http.Client
	// LookupEnv reads the variable a site's AIProvider.KeyEnv names; nil
	// means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads the file that KeyEnv+"_FILE" names when KeyEnv itself
	// is not set; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	Log      zerolog.Logger
}

// Router is the assistant of a node: for each decision it takes the site's
// AIProvider over the node's defaults and asks that model (an OpenAI, which
// falls back on Builtin), or Builtin itself when no model is configured.
// Model clients are cached per base URL, model and key. It is safe for
// concurrent use.
type Router struct {
	cfg Config

	mu      sync.Mutex
	clients map[routerClientKey]*OpenAI
}

type routerClientKey struct{ baseURL, model, embeddingModel, key string }

var _ hub.Assistant = (*Router)(nil)

// New returns a Router. It panics when cfg.Builtin is nil: there would be
// nothing to answer with when a model fails.
func New(cfg Config) *Router {
	if cfg.Builtin == nil {
		panic("assistant: Config.Builtin is required")
	}
	if cfg.LookupEnv == nil {
		cfg.LookupEnv = os.LookupEnv
	}
	if cfg.ReadFile == nil {
		cfg.ReadFile = os.ReadFile
	}
	return &Router{cfg: cfg, clients: make(map[routerClientKey]*OpenAI)}
}

// Decide asks the site's model, or the built-in assistant when the site has
// none. When a model is configured but cannot be used (its key variable is
// not set, its settings are invalid), the built-in decision's
// Trace.Fallback says why.
func (r *Router) Decide(ctx context.Context, in hub.AssistantInput) (hub.Decision, error) {
	model, reason := r.pick(in.Site)
	if model != nil {
		return model.Decide(ctx, in)
	}
	d, err := r.cfg.Builtin.Decide(ctx, in)
	if err != nil {
		return hub.Decision{}, err
	}
	if reason != "" {
		d.Trace.Fallback = reason
	}
	return d, nil
}

// pick returns the model for site, or nil and why not ("" when no model is
// configured at all).
//
// The node's key goes only to the node's base URL: a site that names its
// own base URL gets its own key (KeyEnv) or none, so that a site owner
// cannot have the node's key sent to a server of their choosing.
func (r *Router) pick(site *hub.Site) (*OpenAI, string) {
	var p hub.AIProvider
	if site != nil {
		p = site.AIProvider
	}
	log := r.cfg.Log
	if site != nil {
		log = log.With().Int64("tenant", site.TenantID).Int64("site", site.ID).Logger()
	}
	var tenant int64
	if site != nil {
		tenant = site.TenantID
	}
	if err := p.ValidateFor(tenant); err != nil {
		log.Error().Err(err).Msg("assistant: the site's AI provider settings are invalid")
		return nil, "the site's AI provider settings are invalid"
	}

	def := r.cfg.Default
	baseURL, model, key := def.BaseURL, def.Model, def.APIKey
	if p.BaseURL != "" && normalBaseURL(p.BaseURL) != normalBaseURL(def.BaseURL) {
		baseURL, key = p.BaseURL, ""
	}
	if p.Model != "" {
		model = p.Model
	}
	embeddingModel := def.EmbeddingModel
	if p.EmbeddingModel != "" {
		embeddingModel = p.EmbeddingModel
	}
	if baseURL == "" && model == "" {
		return nil, ""
	}
	if model == "" {
		return nil, "no AI model is configured for base URL " + baseURL
	}
	if p.KeyEnv != "" {
		k, reason := r.key(log, p.KeyEnv)
		if reason != "" {
			return nil, reason
		}
		key = k
	}
	c, err := r.client(routerClientKey{baseURL: baseURL, model: model, embeddingModel: embeddingModel, key: key}, baseURL != def.BaseURL)
	if err != nil {
		log.Error().Err(err).Msg("assistant: cannot set up the AI model")
		return nil, "the AI model cannot be set up: its base URL is invalid"
	}
	return c, ""
}

// normalBaseURL makes equal base URLs compare equal: "" is the default one and
// a trailing slash makes no difference.
func normalBaseURL(u string) string {
	if u == "" {
		u = DefaultBaseURL
	}
	return strings.TrimRight(u, "/")
}

// key reads the key from the variable name, or from the file that
// name+"_FILE" names, or returns why it cannot.
func (r *Router) key(log zerolog.Logger, name string) (string, string) {
	if v, ok := r.cfg.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), ""
	}
	path, ok := r.cfg.LookupEnv(name + "_FILE")
	if !ok || path == "" {
		log.Warn().Str("variable", name).Msg("assistant: the site's AI key variable is not set, using the built-in assistant")
		return "", fmt.Sprintf("key variable %s is not set", name)
	}
	b, err := r.cfg.ReadFile(path)
	if err != nil {
		log.Error().Err(err).Str("variable", name+"_FILE").Msg("assistant: cannot read the AI key file")
		return "", fmt.Sprintf("key file named by %s_FILE cannot be read", name)
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Sprintf("key file named by %s_FILE is empty", name)
	}
	return k, ""
}

// client returns the cached model client for these settings, building it
// on first use.
func (r *Router) client(k routerClientKey, sites bool) (*OpenAI, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[k]; ok {
		return c, nil
	}
	cfg := r.cfg.Default
	cfg.BaseURL, cfg.Model, cfg.EmbeddingModel, cfg.APIKey = k.baseURL, k.model, k.embeddingModel, k.key
	cfg.Knowledge, cfg.Embeddings, cfg.Fallback, cfg.Log = r.cfg.Knowledge, r.cfg.Embeddings, r.cfg.Builtin, r.cfg.Log
	if sites && r.cfg.SiteHTTPClient != nil {
		cfg.HTTPClient = r.cfg.SiteHTTPClient
	}
	c, err := NewOpenAI(cfg)
	if err != nil {
		return nil, err
	}
	if len(r.clients) >= routerMaxClients {
		clear(r.clients)
	}
	r.clients[k] = c
	return c, nil
}

// EmbedKnowledge embeds the changed entries of site with the site's model
// (OpenAI.EmbedKnowledge); nothing when the site has no model or no
// embedding model.
func (r *Router) EmbedKnowledge(ctx context.Context, site *hub.Site) (int, error) {
	model, _ := r.pick(site)
	if model == nil {
		return 0, nil
	}
	return model.EmbedKnowledge(ctx, site)
}
