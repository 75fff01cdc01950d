package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadServeConfig(t *testing.T) {
	good := map[string]string{
		"DISCORD_TOKEN":            "Bot abc.def.ghi",
		"DISCORD_APP_ID":           "123456789012345678",
		"DISCORD_PUBLIC_KEY":       strings.Repeat("ab", 32),
		"BRIEFBOT_TZ":              "Europe/Berlin",
		"BRIEFBOT_SUMMARY_CHANNEL": "223456789012345678",
		"BRIEFBOT_SUMMARY_AT":      "07:30",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	c, err := loadServeConfig(mapEnv(good), "/tmp/ix", ":8080")
	if err != nil {
		t.Fatal(err)
	}
	if c.bot.Location.String() != "Europe/Berlin" || c.bot.SummaryAt != "07:30" || c.bot.StateDir != "/tmp/ix.state" || c.bot.HTTPAddr != ":8080" {
		t.Errorf("config not carried over: %+v", c.bot)
	}
	for _, tc := range []struct {
		key, value string
		http       bool
	}{
		{"DISCORD_TOKEN", "", false},
		{"DISCORD_TOKEN", "   ", false},
		{"DISCORD_APP_ID", "my-app", false},
		{"DISCORD_GUILD_ID", "12ab", false},
		{"DISCORD_PUBLIC_KEY", "", true},
		{"DISCORD_PUBLIC_KEY", "nothex", false},
		{"DISCORD_API_BASE", "ftp://proxy", false},
		{"BRIEFBOT_TZ", "Europe/Atlantis", false},
		{"BRIEFBOT_SUMMARY_CHANNEL", "general", false},
		{"BRIEFBOT_SUMMARY_AT", "25:00", false},
		{"BRIEFBOT_SUMMARY_AT", "7:30", false},
		{"BRIEFBOT_CORPUS", "/nonexistent/briefbot-corpus", false},
		{"BRIEFBOT_OPERATORS", "123456789012345678,alice", false},
		{"BRIEFBOT_OPERATORS", "12345", false},
		{"BRIEFBOT_SERVERS", "613425648685547541;813425648685547542", false},
		{"BRIEFBOT_SERVERS", "99999999999999999999", false}, // 20 digits, past 64 bits
	} {
		addr := ""
		if tc.http {
			addr = ":8080"
		}
		_, err := loadServeConfig(mapEnv(with(tc.key, tc.value)), "/tmp/ix", addr)
		if err == nil {
			t.Errorf("%s=%q accepted", tc.key, tc.value)
			continue
		}
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tc.key) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: error %q should be one usage line naming the variable", tc.key, tc.value, err)
		}
		if strings.Contains(err.Error(), "abc.def.ghi") {
			t.Errorf("error leaks the token: %q", err)
		}
	}
}

// BRIEFBOT_OPERATORS and BRIEFBOT_SERVERS are comma-separated ids, spaces
// and empty items ignored, carried to the bot as given.
func TestOperatorsAndServersReachTheBot(t *testing.T) {
	env := map[string]string{
		"DISCORD_TOKEN":      "Bot abc.def.ghi",
		"DISCORD_APP_ID":     "123456789012345678",
		"BRIEFBOT_OPERATORS": " 223456789012345678 ,323456789012345678,",
		"BRIEFBOT_SERVERS":   "613425648685547541",
	}
	c, err := loadServeConfig(mapEnv(env), "/tmp/ix", "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.operators, " ") != "223456789012345678 323456789012345678" || strings.Join(c.servers, " ") != "613425648685547541" {
		t.Errorf("operators %q, servers %q", c.operators, c.servers)
	}
	delete(env, "BRIEFBOT_OPERATORS")
	delete(env, "BRIEFBOT_SERVERS")
	if c, err = loadServeConfig(mapEnv(env), "/tmp/ix", ""); err != nil || c.operators != nil || c.servers != nil {
		t.Errorf("unset: operators %q, servers %q, %v; want none", c.operators, c.servers, err)
	}
	code, _, errOut := runCmd(t, map[string]string{"DISCORD_TOKEN": "x", "DISCORD_APP_ID": "123456789012345678", "BRIEFBOT_SERVERS": "my-server"}, "serve")
	if code != exitUsage || !strings.Contains(errOut, `BRIEFBOT_SERVERS: "my-server" is not a Discord server id`) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("serve with a bad BRIEFBOT_SERVERS: exit %d, %q", code, errOut)
	}
}

// TestBadHTTPAddressIsAUsageError: a --http address that cannot be listened
// on exits 2 with one line, before anything reaches Discord.
func TestBadHTTPAddressIsAUsageError(t *testing.T) {
	env := map[string]string{
		"DISCORD_TOKEN":      "Bot abc.def.ghi",
		"DISCORD_APP_ID":     "123456789012345678",
		"DISCORD_PUBLIC_KEY": strings.Repeat("ab", 32),
		// Nothing listens here: a request to Discord would fail with exit 1.
		"DISCORD_API_BASE": "http://127.0.0.1:1/api/v10/",
	}
	for _, addr := range []string{"8080", "localhost:99999", ":http-alt", "a:b:c"} {
		code, out, errOut := runCmd(t, env, "serve", "--index", filepath.Join(t.TempDir(), "ix"), "--http", addr)
		if code != exitUsage || !strings.Contains(errOut, "--http") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || strings.Contains(out, "registered") {
			t.Errorf("--http %q: exit %d, stdout %q, stderr %q", addr, code, out, errOut)
		}
	}
}

func TestServeWithoutTokenExitsTwo(t *testing.T) {
	code, _, errOut := runCmd(t, map[string]string{"DISCORD_APP_ID": "123456789012345678"}, "serve")
	if code != exitUsage || !strings.Contains(errOut, "DISCORD_TOKEN") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestDotEnvIsLayeredUnderTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("BRIEFBOT_TZ=Asia/Tokyo\nBRIEFBOT_SUMMARY_AT=06:00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	get := loadDotEnv(mapEnv(map[string]string{"BRIEFBOT_TZ": "Europe/Berlin"}), &stderr)
	if get("BRIEFBOT_TZ") != "Europe/Berlin" || get("BRIEFBOT_SUMMARY_AT") != "06:00" {
		t.Errorf("got TZ %q AT %q: the environment must win, .env fill the rest", get("BRIEFBOT_TZ"), get("BRIEFBOT_SUMMARY_AT"))
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("BROKEN='unterminated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	get = loadDotEnv(mapEnv(nil), &stderr)
	if get("BROKEN") != "" || !strings.Contains(stderr.String(), ".env") {
		t.Errorf("a malformed .env should be reported and ignored; stderr %q", stderr.String())
	}
}

func TestParseFlagsAnywhere(t *testing.T) {
	a := &app{stdout: &strings.Builder{}}
	fs := newFlags(a, "ask", "")
	k := fs.Int("k", 3, "")
	rest, err := parseFlags(fs, []string{"how", "many", "-k", "5", "troops?", "--", "-9"})
	if err != nil {
		t.Fatal(err)
	}
	if *k != 5 || strings.Join(rest, " ") != "how many troops? -9" {
		t.Errorf("k=%d rest=%q", *k, rest)
	}
}

func mapEnv(m map[string]string) env { return func(k string) string { return m[k] } }
