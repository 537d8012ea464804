package assistant

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// KnowledgeEmbedder embeds a site's changed knowledge-base entries right
// after the change, on the node that made it (hub.Service.KnowledgeNotify),
// so that the model path's next decision finds them embedded
// (docs/assistant.md, "Retrieval on the model path"). It is best effort:
// a change it misses or fails on is embedded by the next decision.
type KnowledgeEmbedder struct {
	Router *Router
	// Site reads a site (hub.Store's FindSiteByID).
	Site func(ctx context.Context, id int64) (*hub.Site, error)
	Log  zerolog.Logger
	// Timeout bounds one site's embedding; zero means a minute.
	Timeout time.Duration

	once  sync.Once
	queue chan int64
}

// embedderQueue is how many changed sites may wait; past it a change is
// left to the next decision.
const embedderQueue = 256

// Notify queues siteID; it never blocks.
func (k *KnowledgeEmbedder) Notify(siteID int64) {
	select {
	case k.ch() <- siteID:
	default:
		k.Log.Warn().Int64("site", siteID).Msg("knowledge embedder queue full: the next decision embeds the change")
	}
}

func (k *KnowledgeEmbedder) ch() chan int64 {
	k.once.Do(func() { k.queue = make(chan int64, embedderQueue) })
	return k.queue
}

// Run embeds the queued sites one at a time, each queued site once however
// often it was queued meanwhile, until ctx ends.
func (k *KnowledgeEmbedder) Run(ctx context.Context) {
	q := k.ch()
	for {
		var first int64
		select {
		case <-ctx.Done():
			return
		case first = <-q:
		}
		sites := []int64{first}
	drain:
		for {
			select {
			case id := <-q:
				if !slices.Contains(sites, id) {
					sites = append(sites, id)
				}
			default:
				break drain
			}
		}
		for _, id := range sites {
			k.embed(ctx, id)
		}
	}
}

func (k *KnowledgeEmbedder) embed(ctx context.Context, siteID int64) {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log := k.Log.With().Int64("site", siteID).Logger()
	site, err := k.Site(ctx, siteID)
	if err != nil {
		if !hub.IsCode(err, hub.ENotFound) {
			log.Warn().Err(err).Msg("knowledge embedder cannot read the site")
		}
		return
	}
	n, err := k.Router.EmbedKnowledge(ctx, site)
	if err != nil {
		log.Warn().Err(err).Int("embedded", n).Msg("knowledge embedder failed: the next decision embeds the rest")
		return
	}
	if n > 0 {
		log.Debug().Int("embedded", n).Msg("knowledge entries embedded")
	}
}
