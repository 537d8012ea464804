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
		{"PARLEY_SUPPORT_TIME_ZONE=Mars/Olympus", "PARLEY_SUPPORT_TIME_ZONE"},
		{"PARLEY_SUPPORT_HOURS=9 to 5", "PARLEY_SUPPORT_HOURS"},
		{"PARLEY_SUPPORT_HOURS=18:00-09:00", "PARLEY_SUPPORT_HOURS"},
		{"PARLEY_SUPPORT_DAYS=fri-mon", "PARLEY_SUPPORT_DAYS"},
		{"PARLEY_SUPPORT_DAYS=mon,funday", "PARLEY_SUPPORT_DAYS"},
		{"PARLEY_TRUSTED_PROXIES=10.0.0.0/8,proxy.local", "PARLEY_TRUSTED_PROXIES"},
		{"PARLEY_AI_EMBEDDING_MODEL=" + strings.Repeat("m", 201), "PARLEY_AI_EMBEDDING_MODEL"},
	} {
		_, _, err := loadConfig(nil, []string{tt.env}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one naming %s", tt.env, err, tt.want)
		}
	}
}

func TestLoadConfigSupportHours(t *testing.T) {
	c, _, err := loadConfig(nil, []string{"PARLEY_SUPPORT_TIME_ZONE=Europe/Berlin", "PARLEY_SUPPORT_HOURS=08:30-17:00", "PARLEY_SUPPORT_DAYS=mon,wed,sat"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	h := c.Support.Hours
	if h.TimeZone != "Europe/Berlin" || h.Start != "08:30" || h.End != "17:00" || len(h.Days) != 3 || h.Days[2] != time.Saturday {
		t.Fatalf("support hours %+v", h)
	}
	c, _, err = loadConfig(nil, nil, io.Discard)
	if err != nil || c.Support.Hours.TimeZone != "Europe/Moscow" || len(c.Support.Hours.Days) != 5 || c.Support.Hours.Days[0] != time.Monday {
		t.Fatalf("default support hours %+v, %v", c.Support.Hours, err)
	}
}

// TestAddressWarnings: a base URL on this machine whose port is not the
// one Parley listens on is warned about at start, with the fix; a public
// base URL (behind a proxy) and a matching one are not.
func TestAddressWarnings(t *testing.T) {
	for _, tt := range []struct {
		base, listen string
		warn         bool
	}{
		{"http://localhost:8080", "[::]:8080", false},
		{"http://localhost:8080", "127.0.0.1:9090", true},
		{"http://127.0.0.1:3000", "0.0.0.0:8080", true},
		{"http://localhost", "[::]:80", false},
		{"https://chat.example.com", "[::]:8080", false},
	} {
		c := Config{BaseURL: tt.base}
		got := c.addressWarnings(tt.listen)
		if (len(got) > 0) != tt.warn {
			t.Errorf("base %s, listening on %s: warnings %q, want any: %v", tt.base, tt.listen, got, tt.warn)
		}
		if tt.warn && !strings.Contains(got[0], "set PARLEY_BASE_URL=") {
			t.Errorf("the warning gives no fix: %s", got[0])
		}
	}
}

func TestLoadConfigEmbeddingModel(t *testing.T) {
	c, warnings, err := loadConfig(nil, []string{"PARLEY_AI_BASE_URL=http://localhost:11434/v1", "PARLEY_AI_MODEL=llama3.1",
		"PARLEY_AI_EMBEDDING_MODEL=bge-m3"}, io.Discard)
	if err != nil || len(warnings) != 0 || c.AIEmbeddingModel != "bge-m3" {
		t.Fatalf("embedding model = %q, warnings %v, error %v", c.AIEmbeddingModel, warnings, err)
	}
	c, warnings, err = loadConfig(nil, []string{"PARLEY_AI_EMBEDDING_MODEL=bge-m3"}, io.Discard)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "only by sites with their own model") {
		t.Fatalf("without a model: warnings %v, error %v", warnings, err)
	}
	if c, _, _ = loadConfig(nil, nil, io.Discard); c.AIEmbeddingModel != "" {
		t.Fatalf("default embedding model = %q, want none", c.AIEmbeddingModel)
	}
}
