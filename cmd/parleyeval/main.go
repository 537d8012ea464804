// Command parleyeval measures the built-in assistant on the evaluation set
// of hub/assistant/eval: it prints how many visitor messages were answered
// right, wrongly, handed off needlessly, or not handed off when they should
// have been, overall and per split, language, kind and knowledge base.
//
//	go run ./cmd/parleyeval [-split dev|holdout|all] [-v]
//
// -v lists every message that did not come out right. It measures only:
// the exit code is 0 whatever the figures, and not 0 only when the set
// cannot be loaded or run.
package main

import (
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	set, err := eval.Load(eval.Data)
	if err != nil {
		return err
	}
	msgs, err := set.Filter(*split)
	if err != nil {
		return err
	}
	results, err := eval.Run(ctx, set, msgs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "built-in assistant, split %s: %d messages, %d knowledge bases\n\n", *split, len(results), len(set.KBs))
	if err := eval.WriteTable(stdout, eval.Tallies(results)); err != nil {
		return err
	}
	if *verbose {
		fmt.Fprintln(stdout)
		return eval.WriteFailures(stdout, results)
	}
	return nil
}
