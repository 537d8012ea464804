// Package hubtest holds helpers shared by Parley's tests: where the real
// services are, a logger that writes through testing.TB, and an
// in-process GET of a Fiber app.
package hubtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"
)

// Wait is how long a test waits for something that should happen: an
// event, a closed socket, a message. It measures nothing, so it is
// generous: on a busy machine under -race, what takes a millisecond alone
// takes seconds (issue 12 §7). Tests that check that something does not
// happen wait their own, short, time.
const Wait = 30 * time.Second

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

// Get sends a GET for target to app in process, with header given as
// name, value pairs, and returns the response and its whole body.
func Get(tb testing.TB, app *fiber.App, target string, header ...string) (*http.Response, []byte) {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, body
}
