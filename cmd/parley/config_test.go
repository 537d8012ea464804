package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	c, warnings, err := loadConfig(nil, nil, io.Discard)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("defaults: %v %v", err, warnings)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.DataDir != "parley-data" ||
		c.DatabaseURL != "" || c.RedisURL != "" || c.ShutdownTimeout != 15*time.Second || !c.Demo {
		t.Fatalf("defaults = %+v", c)
	}
	if c.origin() != "http://localhost:8080" {
		t.Fatalf("origin = %q", c.origin())
	}
}

func TestLoadConfigFlagsOverrideEnv(t *testing.T) {
	c, _, err := loadConfig([]string{"-addr", "127.0.0.1:9000"}, []string{"PARLEY_ADDR=:7000", "PARLEY_BASE_URL=https://chat.example.com/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.BaseURL != "https://chat.example.com" || c.origin() != "https://chat.example.com" {
		t.Fatalf("config = %+v", c)
	}
}

func TestLoadConfigSecretsFromFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, []byte("postgres://u:p@db/parley\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := loadConfig(nil, []string{"PARLEY_DATABASE_URL_FILE=" + path}, io.Discard)
	if err != nil || c.DatabaseURL != "postgres://u:p@db/parley" {
		t.Fatalf("from file: %q, %v", c.DatabaseURL, err)
	}
	_, _, err = loadConfig(nil, []string{"PARLEY_DATABASE_URL_FILE=" + path, "PARLEY_DATABASE_URL=postgres://x"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "only one") {
		t.Fatalf("both set: %v", err)
	}
}

func TestLoadConfigWarnsAboutUnknownVariables(t *testing.T) {
	_, warnings, err := loadConfig(nil, []string{"PARLEY_DATABSE_URL=typo", "PARLEY_TEST_DATABASE_URL=ok", "HOME=/root"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "PARLEY_DATABSE_URL") {
		t.Fatalf("warnings = %v", warnings)
	}
}

func TestLoadConfigErrorsSayWhatToSet(t *testing.T) {
	for _, tt := range []struct{ env, want string }{
		{"PARLEY_ADDR=8080", "PARLEY_ADDR"},
		{"PARLEY_BASE_URL=chat.example.com", "PARLEY_BASE_URL"},
		{"PARLEY_DATABASE_URL=mysql://x", "PARLEY_DATABASE_URL"},
		{"PARLEY_REDIS_URL=localhost:6379", "PARLEY_REDIS_URL"},
		{"PARLEY_LOG_LEVEL=loud", "PARLEY_LOG_LEVEL"},
		{"PARLEY_SHUTDOWN_TIMEOUT=soon", "PARLEY_SHUTDOWN_TIMEOUT"},
		{"PARLEY_DEMO=maybe", "PARLEY_DEMO"},
		{"PARLEY_SECRET_KEY_FILE=/does/not/exist", "PARLEY_SECRET_KEY_FILE"},
	} {
		_, _, err := loadConfig(nil, []string{tt.env}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one naming %s", tt.env, err, tt.want)
		}
	}
}
