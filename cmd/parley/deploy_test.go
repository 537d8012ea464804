package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads ../../docker-compose.yml as `docker compose` would, with
// env as the shell's environment: schema-checked, interpolated, merged.
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yml"}, cli.WithWorkingDirectory("../.."),
		cli.WithEnv(env), cli.WithName("parley"), cli.WithDiscardEnvFile)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// TestComposeFile (issue 12 §5): docker-compose.yml validates, needs its
// two secrets from the environment and holds none, pins every image, gives
// the nodes health checks and a restart policy, trusts exactly the proxy's
// address, sends mail to Mailpit, and gives the nodes a configuration
// that Parley loads without a warning.
func TestComposeFile(t *testing.T) {
	if _, err := loadCompose(t, []string{"PARLEY_SECRET_KEY=s3cret-for-the-test"}); err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD") {
		t.Fatalf("without POSTGRES_PASSWORD: %v, want an error that names it", err)
	}
	p, err := loadCompose(t, []string{"PARLEY_SECRET_KEY=s3cret-for-the-test", "POSTGRES_PASSWORD=pw-for-the-test"})
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?im)^\s*[A-Z_]*(SECRET_KEY|PASSWORD):[ \t]*[^$\s{]`).Match(raw) {
		t.Error("docker-compose.yml holds a literal secret")
	}
	proxyIP := ""
	for name, s := range p.Services {
		if s.Image != "" && (!strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest")) {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		if s.Restart == "" {
			t.Errorf("%s: no restart policy", name)
		}
		if name == "proxy" {
			proxyIP = s.Networks["parley"].Ipv4Address
		}
	}
	for _, name := range []string{"parley-1", "parley-2"} {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if s.HealthCheck == nil || strings.Join(s.HealthCheck.Test, " ") != "CMD /parley healthcheck" {
			t.Errorf("%s: health check %+v, want /parley healthcheck", name, s.HealthCheck)
		}
		env := map[string]string{}
		var list []string
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", name, k)
				continue
			}
			env[k] = *v
			list = append(list, k+"="+*v)
		}
		if _, ok := env["PARLEY_SECRET_KEY"]; ok || env["PARLEY_SECRET_KEY_FILE"] != "/run/secrets/parley_secret_key" {
			t.Errorf("%s: the secret key must come from the secret file", name)
		}
		if proxyIP == "" || env["PARLEY_TRUSTED_PROXIES"] != proxyIP {
			t.Errorf("%s: PARLEY_TRUSTED_PROXIES %q, want the proxy's address %q", name, env["PARLEY_TRUSTED_PROXIES"], proxyIP)
		}
		if !strings.HasPrefix(env["PARLEY_SMTP_URL"], "smtp://mail:1025") {
			t.Errorf("%s: PARLEY_SMTP_URL %q does not reach Mailpit", name, env["PARLEY_SMTP_URL"])
		}
		// The secret file does not exist here: give the loader one.
		secret := t.TempDir() + "/secret"
		if err := os.WriteFile(secret, []byte("s3cret-for-the-test"), 0o600); err != nil {
			t.Fatal(err)
		}
		for i, kv := range list {
			if strings.HasPrefix(kv, "PARLEY_SECRET_KEY_FILE=") {
				list[i] = "PARLEY_SECRET_KEY_FILE=" + secret
			}
		}
		cfg, warnings, err := loadConfig(nil, list, io.Discard)
		if err != nil || len(warnings) > 0 {
			t.Errorf("%s: Parley's configuration: %v, warnings %q", name, err, warnings)
		}
		if cfg.SecretKey != "s3cret-for-the-test" || cfg.RedisURL == "" || !strings.Contains(cfg.DatabaseURL, "pw-for-the-test@postgres") {
			t.Errorf("%s: configuration %+v", name, cfg)
		}
	}
}

// TestDockerfile: the image runs as the non-root user with /data its own,
// stamps the version, and checks its health with parley healthcheck; the
// build context leaves out what the image does not need. When a Docker
// engine answers here, the image is built too.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{`-X main.version=${VERSION}`, `--chown=65532:65532 /data /data`, `USER 65532:65532`,
		`HEALTHCHECK`, `CMD ["/parley", "healthcheck"]`, `PARLEY_DATA_DIR=/data`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "**/node_modules", "parley-data"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	if os.Getenv("PARLEY_TEST_DOCKER_BUILD") == "" {
		t.Log("set PARLEY_TEST_DOCKER_BUILD=1 with a Docker engine to build the image too")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "build", "--build-arg", "VERSION=test", "-t", "parley:test", "../..").CombinedOutput()
	if err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
}
