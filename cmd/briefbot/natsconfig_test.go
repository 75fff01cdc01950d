package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadNATSConfig(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "briefbot.creds")
	if err := os.WriteFile(creds, []byte("-----BEGIN NATS USER JWT-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadNATSConfig(mapEnv(map[string]string{
		"BRIEFBOT_NATS_URL":      " nats://nats-1:4222, nats://nats-2:4222 ,",
		"BRIEFBOT_NATS_CREDS":    creds,
		"BRIEFBOT_REPLICA":       "eu-1",
		"BRIEFBOT_NATS_REPLICAS": "1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := natsConfig{url: "nats://nats-1:4222,nats://nats-2:4222", creds: creds, name: "eu-1", replicas: 1}
	if c != want || !c.enabled() {
		t.Errorf("got %+v, want %+v", c, want)
	}

	// Unset: a single instance, whatever the host.
	if c, err := loadNATSConfig(mapEnv(nil)); err != nil || c.enabled() || c != (natsConfig{}) {
		t.Errorf("no NATS settings: %+v, %v; want the zero config", c, err)
	}
}

// The replica name defaults to the host name, made fit for a consumer
// name; the stream's copies to 3.
func TestReplicaNameDefaultsToHostName(t *testing.T) {
	for host, want := range map[string]string{
		"briefbot-1":              "briefbot-1",
		"bot.eu-west.example.org": "bot-eu-west-example-org",
		"héte":                    "h-te",
	} {
		setHostname(t, host, nil)
		c, err := loadNATSConfig(mapEnv(map[string]string{"BRIEFBOT_NATS_URL": "nats://127.0.0.1:4222"}))
		if err != nil || c.name != want || c.replicas != defaultNATSReplicas {
			t.Errorf("host %q: name %q replicas %d (%v), want %q and %d", host, c.name, c.replicas, err, want, defaultNATSReplicas)
		}
	}
	for _, fail := range []error{nil, errors.New("uname failed")} {
		host := "..."
		if fail != nil {
			host = ""
		}
		setHostname(t, host, fail)
		_, err := loadNATSConfig(mapEnv(map[string]string{"BRIEFBOT_NATS_URL": "nats://127.0.0.1:4222"}))
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "BRIEFBOT_REPLICA") {
			t.Errorf("host %q, err %v: %v, want a usage error asking for BRIEFBOT_REPLICA", host, fail, err)
		}
	}
}

func setHostname(t *testing.T, name string, err error) {
	t.Helper()
	old := hostname
	hostname = func() (string, error) { return name, err }
	t.Cleanup(func() { hostname = old })
}

// Each bad value is one usage line naming the variable, and never shows a
// password from the URL.
func TestLoadNATSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		vars map[string]string
		key  string
	}{
		{map[string]string{"BRIEFBOT_NATS_URL": "http://nats-1:4222"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats-1:4222"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://:4222"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://u:s3cret@nats-1:99999"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://u:s3cret@nats-1:4222,ftp://u:s3cret@x"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://u:s3cret@[::1"}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": " , "}, "BRIEFBOT_NATS_URL"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_NATS_CREDS": filepath.Join(dir, "missing.creds")}, "BRIEFBOT_NATS_CREDS"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_REPLICA": "eu.1"}, "BRIEFBOT_REPLICA"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_REPLICA": strings.Repeat("r", 65)}, "BRIEFBOT_REPLICA"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_REPLICA": "a>b"}, "BRIEFBOT_REPLICA"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_NATS_REPLICAS": "0"}, "BRIEFBOT_NATS_REPLICAS"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_NATS_REPLICAS": "6"}, "BRIEFBOT_NATS_REPLICAS"},
		{map[string]string{"BRIEFBOT_NATS_URL": "nats://a:4222", "BRIEFBOT_NATS_REPLICAS": "three"}, "BRIEFBOT_NATS_REPLICAS"},
		// Half a replica's settings: the URL variable misspelled or lost.
		{map[string]string{"BRIEFBOT_NATS_CREDS": filepath.Join(dir, "x.creds")}, "BRIEFBOT_NATS_CREDS"},
		{map[string]string{"BRIEFBOT_REPLICA": "eu-1"}, "BRIEFBOT_REPLICA"},
		{map[string]string{"BRIEFBOT_NATS_REPLICAS": "3"}, "BRIEFBOT_NATS_REPLICAS"},
	} {
		_, err := loadNATSConfig(mapEnv(tc.vars))
		if err == nil {
			t.Errorf("%v accepted", tc.vars)
			continue
		}
		if _, ok := err.(usageError); !ok || !strings.HasPrefix(err.Error(), tc.key) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %q should be one usage line starting with %s", tc.vars, err, tc.key)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%v: error %q shows the password", tc.vars, err)
		}
	}
}

// serve reads the NATS settings with the others, and a bad one stops it
// before anything else, exit 2 with one line.
func TestServeRefusesBadNATSSettings(t *testing.T) {
	vars := map[string]string{
		"DISCORD_TOKEN": "x", "DISCORD_APP_ID": "123456789012345678",
		"BRIEFBOT_NATS_URL": "nats://127.0.0.1:4222", "BRIEFBOT_NATS_REPLICAS": "9",
		"BRIEFBOT_INDEX": filepath.Join(t.TempDir(), "ix"),
	}
	code, _, errOut := runCmd(t, vars, "serve")
	if code != exitUsage || !strings.Contains(errOut, "BRIEFBOT_NATS_REPLICAS \"9\"") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("serve with BRIEFBOT_NATS_REPLICAS=9: exit %d, %q", code, errOut)
	}
	delete(vars, "BRIEFBOT_NATS_REPLICAS")
	c, err := loadServeConfig(mapEnv(vars), vars["BRIEFBOT_INDEX"], "")
	if err != nil || c.nats.url != "nats://127.0.0.1:4222" || c.nats.replicas != defaultNATSReplicas || c.nats.name == "" {
		t.Errorf("serve's config carries %+v (%v)", c.nats, err)
	}
}
