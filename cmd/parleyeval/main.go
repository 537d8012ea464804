// Command parleyeval measures the built-in assistant on the evaluation set
// of hub/assistant/eval: it prints how many visitor messages were answered
// right, wrongly, handed off needlessly, or not handed off when they should
// have been, overall and per split, language, kind and knowledge base.
//
//	go run ./cmd/parleyeval [-split dev|holdout|all] [-v [-sources N]]
//	go run ./cmd/parleyeval -model-url URL -model NAME [-embedding-model NAME] [-api-key-env VAR] [-split …] [-v]
//
// With -model-url it measures the model path instead (eval.RunModel): the
// OpenAI-compatible server at URL answers, with the built-in assistant as
// its fallback, and the embedding model, if named, finds entries by
// meaning; the key, if any, is read from the environment variable VAR,
// never from the command line. It then also prints how often the expected
// entry was in the model's prompt.
//
// -v lists every message that did not come out right. It measures only:
// the exit code is 0 whatever the figures, and not 0 only when the set
// cannot be loaded or run.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parley-chat/parley/hub/assistant/eval"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "parleyeval:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parleyeval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	split := fs.String("split", "all", "which messages to run: dev, holdout or all")
	verbose := fs.Bool("v", false, "list every message that did not come out right")
	sources := fs.Int("sources", 0, "with -v, also list this many of the entries found for each, with the words weighed")
	modelURL := fs.String("model-url", "", "run the model path on the OpenAI-compatible API at this URL, like http://localhost:11434/v1")
	modelName := fs.String("model", "", "the chat model's name (with -model-url)")
	embeddingModel := fs.String("embedding-model", "", "the embedding model's name (with -model-url); none: lexical retrieval only")
	keyEnv := fs.String("api-key-env", "", "the environment variable that holds the API key (with -model-url)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var model *eval.Model
	switch {
	case *modelURL != "":
		if *modelName == "" {
			return errors.New("-model-url is set: name the chat model with -model")
		}
		model = &eval.Model{BaseURL: *modelURL, Name: *modelName, EmbeddingModel: *embeddingModel}
		if *keyEnv != "" {
			if model.APIKey = os.Getenv(*keyEnv); model.APIKey == "" {
				return fmt.Errorf("-api-key-env names %s, which is not set", *keyEnv)
			}
		}
	case *modelName != "" || *embeddingModel != "" || *keyEnv != "":
		return errors.New("-model, -embedding-model and -api-key-env need -model-url")
	}
	set, err := eval.Load(eval.Data)
	if err != nil {
		return err
	}
	msgs, err := set.Filter(*split)
	if err != nil {
		return err
	}
	var results []eval.Result
	if model == nil {
		results, err = eval.Run(ctx, set, msgs)
	} else {
		results, err = eval.RunModel(ctx, set, msgs, *model)
	}
	if err != nil {
		return err
	}
	who := "built-in assistant"
	if model != nil {
		who = "model " + model.Name + " at " + model.BaseURL + ", embeddings: " + cmp.Or(model.EmbeddingModel, "none")
	}
	fmt.Fprintf(stdout, "%s, split %s: %d messages, %d knowledge bases\n\n", who, *split, len(results), len(set.KBs))
	if err := eval.WriteTable(stdout, eval.Tallies(results)); err != nil {
		return err
	}
	if model != nil {
		var want, got int
		for _, r := range results {
			if r.Expect != eval.ExpectHandoff && r.Expect != eval.ExpectNone {
				want++
				if r.Retrieved {
					got++
				}
			}
		}
		fmt.Fprintf(stdout, "\nexpected entry in the model's prompt: %d of %d messages that expect one\n", got, want)
	}
	if *verbose {
		fmt.Fprintln(stdout)
		return eval.WriteFailures(stdout, results, *sources)
	}
	return nil
}
