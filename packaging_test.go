package briefbot_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// No Docker engine runs where the tests do, so the Dockerfile is checked
// by reading it: the instructions production depends on must be there.
// (docker build itself is not run; see docs/operations.md.)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

func readDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont := strings.TrimSuffix(line, `\`); cont != line {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur.Len() > 0 {
		t.Fatalf("%s ends inside a continued line", path)
	}
	return out
}

// stages splits instructions at each FROM.
func stages(ins []instruction) [][]instruction {
	var out [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

func argsOf(stage []instruction, cmd string) []string {
	var args []string
	for _, in := range stage {
		if in.cmd == cmd {
			args = append(args, in.args)
		}
	}
	return args
}

func TestDockerfile(t *testing.T) {
	st := stages(readDockerfile(t, "Dockerfile"))
	if len(st) != 2 {
		t.Fatalf("%d stages, want 2 (build, runtime)", len(st))
	}
	build, run := st[0], st[len(st)-1]
	from := strings.Fields(build[0].args)
	if len(from) != 3 || !strings.HasPrefix(from[0], "golang:1.26") || !strings.EqualFold(from[1], "AS") {
		t.Fatalf("build stage FROM %q, want golang:1.26… AS name", build[0].args)
	}
	builder := from[2]
	builds := strings.Join(argsOf(build, "RUN"), "\n")
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", `-ldflags="-s -w"`, "./cmd/briefbot"} {
		if !strings.Contains(builds, want) {
			t.Errorf("the build stage's RUN lacks %s", want)
		}
	}
	if img := run[0].args; strings.HasPrefix(img, "golang") {
		t.Errorf("runtime stage FROM %s: want a minimal image, not the toolchain", img)
	}
	if copies := strings.Join(argsOf(run, "COPY"), "\n"); !strings.Contains(copies, "--from="+builder+" ") {
		t.Errorf("runtime stage copies nothing from %s: %q", builder, copies)
	}
	users := argsOf(run, "USER")
	if len(users) == 0 {
		t.Error("runtime stage has no USER: it would run as root")
	} else if u, _, _ := strings.Cut(users[len(users)-1], ":"); u == "root" || u == "0" {
		t.Errorf("runtime stage runs as %s", users[len(users)-1])
	}
	if v := argsOf(run, "VOLUME"); len(v) != 1 || v[0] != "/var/lib/briefbot" {
		t.Errorf("VOLUME %q, want /var/lib/briefbot", v)
	}
	env := strings.Join(argsOf(run, "ENV"), " ")
	for _, want := range []string{"BRIEFBOT_INDEX=/var/lib/briefbot/", "BRIEFBOT_METRICS_ADDR=:"} {
		if !strings.Contains(env, want) {
			t.Errorf("runtime ENV lacks %s…: %q", want, env)
		}
	}
	hc := argsOf(run, "HEALTHCHECK")
	if len(hc) != 1 || !strings.Contains(hc[0], "/healthz") || !strings.Contains(hc[0], "BRIEFBOT_METRICS_ADDR") {
		t.Errorf("HEALTHCHECK %q, want one asking /healthz on BRIEFBOT_METRICS_ADDR's port", hc)
	}
	if ep := argsOf(run, "ENTRYPOINT"); len(ep) != 1 || !strings.HasPrefix(ep[0], `["`) {
		t.Errorf("ENTRYPOINT %q, want one in exec form (signals reach briefbot)", ep)
	}
}

// TestSystemdUnit checks the unit for what docs/operations.md promises;
// .ci/run also runs systemd-analyze verify on it where systemd exists.
func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile("deploy/briefbot.service")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			got[k] = append(got[k], v)
		}
	}
	for key, want := range map[string]string{
		// .ci/run rewrites this path to verify against a built binary.
		"ExecStart":               "/usr/local/bin/briefbot serve",
		"EnvironmentFile":         "/etc/briefbot/env",
		"Environment":             "BRIEFBOT_INDEX=/var/lib/briefbot/index",
		"DynamicUser":             "yes",
		"StateDirectory":          "briefbot",
		"Restart":                 "on-failure",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"RestrictNamespaces":      "yes",
		"LockPersonality":         "yes",
		"MemoryDenyWriteExecute":  "yes",
		"SystemCallFilter":        "@system-service",
		"CapabilityBoundingSet":   "",
	} {
		if v := got[key]; len(v) != 1 || v[0] != want {
			t.Errorf("%s=%q, want exactly %s=%s", key, v, key, want)
		}
	}
}
