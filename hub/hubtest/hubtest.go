// Package hubtest holds helpers shared by Parley's tests: where the real
// services are, and a logger that writes through testing.TB.
package hubtest

import (
	"os"
	"testing"

	"github.com/rs/zerolog"
)

// PostgresURL returns PARLEY_TEST_DATABASE_URL. When it is unset the test is
// skipped on a developer machine and fails under CI, where it is required.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	return required(tb, "PARLEY_TEST_DATABASE_URL", "a Postgres URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// RedisURL returns PARLEY_TEST_REDIS_URL, skipping or failing like PostgresURL.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	return required(tb, "PARLEY_TEST_REDIS_URL", "a Redis URL, e.g. redis://127.0.0.1:6379/0")
}

func required(tb testing.TB, name, what string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s is not set: under CI it is required (%s)", name, what)
	}
	tb.Skipf("%s is not set: set it to %s to run this test", name, what)
	return ""
}

// Logger returns a zerolog.Logger that writes to the test log.
func Logger(tb testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.DebugLevel).With().Timestamp().Logger()
}
