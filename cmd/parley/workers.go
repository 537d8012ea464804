package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant"
	"github.com/parley-chat/parley/hub/egress"
	"github.com/parley-chat/parley/hub/mail"
)

// workers are a node's background work: the assistant and the mail
// outbox. They run until stop; the store must outlive them.
type workers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWorkers builds the assistant from the config (a model when one is
// configured, always backed by the built-in one) and starts the runner
// that answers visitors, and the mail worker.
func (n *node) startWorkers() error {
	from := n.cfg.MailFrom
	if from == "" {
		from = "Parley <parley@" + n.cfg.mailHost() + ">"
	}
	mailer, err := mail.New(n.cfg.SMTPURL, from, n.log)
	if err != nil {
		return fmt.Errorf("PARLEY_SMTP_URL: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.workers = &workers{cancel: cancel}
	router := assistant.New(assistant.Config{
		Default: assistant.OpenAIConfig{BaseURL: n.cfg.AIBaseURL, Model: n.cfg.AIModel,
			EmbeddingModel: n.cfg.AIEmbeddingModel, APIKey: n.cfg.AIKey, Timeout: n.cfg.AITimeout},
		Builtin:   n.builtin,
		Knowledge: n.store,
		// Entry embeddings are kept with the entries.
		Embeddings: n.store,
		// A site's own base URL is the workspace's choice: hub/egress.
		SiteHTTPClient: egress.NewClient(egress.Config{AllowPrivate: n.cfg.AllowPrivate, Timeout: 2 * n.cfg.AITimeout}),
		LookupEnv:      n.cfg.lookupEnv,
		Log:            n.log,
	})
	// A change of a site's knowledge is embedded at once on the node that
	// made it (with an embedding model configured).
	embedder := &assistant.KnowledgeEmbedder{Router: router, Site: n.store.FindSiteByID, Log: n.log}
	n.svc.KnowledgeNotify = embedder.Notify
	n.workers.run(func() { embedder.Run(ctx) })
	runner := &hub.AssistantRunner{Service: n.svc, Assistant: router, Log: n.log}
	n.svc.AssistantNotify = runner.Notify
	n.workers.run(func() { runner.Run(ctx) })
	// The outbox goes over SMTP when PARLEY_SMTP_URL is set, else into
	// the log (004 "payload logged only").
	mw := &hub.MailWorker{Store: n.store, Mailer: mailer, Log: n.log}
	n.workers.run(func() { mw.Run(ctx) })
	return nil
}

func (w *workers) run(f func()) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		f()
	}()
}

// stop ends the workers and waits for them.
func (w *workers) stop() {
	if w == nil {
		return
	}
	w.cancel()
	w.wg.Wait()
}
