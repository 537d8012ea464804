package main

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// newLogger writes JSON lines, or human console output when the format is
// console, or auto and out is a terminal.
func newLogger(cfg Config, out io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	if consoleLog(cfg, out) {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// consoleLog reports whether the log on out is for a person: console, or
// auto on a terminal.
func consoleLog(cfg Config, out io.Writer) bool {
	return cfg.LogFormat == "console" || cfg.LogFormat == "auto" && isTerminal(out)
}
