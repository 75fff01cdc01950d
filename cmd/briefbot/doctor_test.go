package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/discordtest"
)

const (
	doctorChannel = "300000000000000002"
	validKey      = "6bcf4c1a0b1b1e4b0ba8e4e2c2c1e1c3a2b8f0e8d1c2b3a4f5e6d7c8b9a0f1e2"
)

// doctorSetup is a fake Discord and an ingested sample index, with the
// environment serve would run with: every check passes.
func doctorSetup(t *testing.T) (*discordtest.Server, map[string]string) {
	t.Helper()
	fake := discordtest.New(t)
	root := t.TempDir()
	vars := map[string]string{
		"HOME":                     root,
		"DISCORD_TOKEN":            strings.TrimPrefix(fake.Token, "Bot "),
		"DISCORD_APP_ID":           fake.AppID,
		"DISCORD_API_BASE":         fake.URL,
		"DISCORD_PUBLIC_KEY":       validKey,
		"BRIEFBOT_SUMMARY_CHANNEL": doctorChannel,
		"BRIEFBOT_INDEX":           sampleIndex(t, root),
	}
	return fake, vars
}

// doctorLine is the line of doctor's output for the check named name.
func doctorLine(t *testing.T, out, name string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(ok|WARN|FAIL|skip) +` + regexp.QuoteMeta(name) + `: .*$`)
	line := re.FindString(out)
	if line == "" {
		t.Fatalf("no %q line in doctor's output:\n%s", name, out)
	}
	return line
}

// wantLine checks the line of a check: its status and what it says.
func wantLine(t *testing.T, out, name, status string, contains ...string) {
	t.Helper()
	line := doctorLine(t, out, name)
	if !strings.HasPrefix(line, status+" ") {
		t.Errorf("%s: %q, want status %s", name, line, status)
	}
	for _, c := range contains {
		if !strings.Contains(line, c) {
			t.Errorf("%s: %q, want it to contain %q", name, line, c)
		}
	}
}

func TestDoctorAllPass(t *testing.T) {
	fake, vars := doctorSetup(t)
	code, out, errOut := runCmd(t, vars, "doctor")
	if code != exitOK || errOut != "" {
		t.Fatalf("doctor: exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	wantLine(t, out, "token", "ok", fmt.Sprintf("bot briefbot (id %s) for application %s", fake.BotUserID, fake.AppID))
	wantLine(t, out, "public key", "ok", "32 bytes")
	wantLine(t, out, "clock", "ok")
	wantLine(t, out, "channel "+doctorChannel, "ok", "can see it, post embeds and read its history")
	wantLine(t, out, "index", "ok", fmt.Sprintf("mapping version %d", index.MappingVersion), "articles", "paragraphs")
	wantLine(t, out, "nats", "skip", "not configured")
	if n := strings.Count(out, "\n"); n != 6 {
		t.Errorf("doctor printed %d lines, want 6 (one per check):\n%s", n, out)
	}
	if got := len(fake.Find("GET", `/api/v9/guilds/`+discordtest.DefaultGuildID+`/members/`+fake.BotUserID)); got != 1 {
		t.Errorf("doctor read the bot's member %d times, want 1", got)
	}
}

func TestDoctorJSON(t *testing.T) {
	_, vars := doctorSetup(t)
	vars["BRIEFBOT_NATS_URL"] = "nats://" + closedPort(t)
	code, out, _ := runCmd(t, vars, "doctor", "--json")
	if code != exitFail {
		t.Errorf("doctor --json with a failing check: exit %d, want %d", code, exitFail)
	}
	var checks []struct {
		Name, Status, Detail, Fix string
		OK                        bool
	}
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("doctor --json printed %q: %v", out, err)
	}
	var names []string
	for _, c := range checks {
		names = append(names, c.Name)
		if wantOK := c.Name != "nats"; c.OK != wantOK || c.Detail == "" {
			t.Errorf("check %+v: want ok %v and a detail", c, wantOK)
		}
	}
	if got, want := strings.Join(names, ","), "public key,token,clock,channel "+doctorChannel+",index,nats"; got != want {
		t.Errorf("checks %s, want %s", got, want)
	}
	if last := checks[len(checks)-1]; last.Status != "fail" || !strings.Contains(last.Detail, "connecting to NATS") || !strings.Contains(last.Fix, "BRIEFBOT_NATS_URL") {
		t.Errorf("nats with BRIEFBOT_NATS_URL set: %+v, want a failure with a fix", last)
	}
}

func TestDoctorBadToken(t *testing.T) {
	fake, vars := doctorSetup(t)
	fake.SetToken("Bot a-new-token") // reset in the portal; DISCORD_TOKEN is the old one
	code, out, errOut := runCmd(t, vars, "doctor")
	if code != exitFail || !strings.Contains(errOut, "1 check of 6 failed") {
		t.Errorf("doctor with a bad token: exit %d, stderr %q", code, errOut)
	}
	wantLine(t, out, "token", "FAIL", "401 Unauthorized", "Reset Token")
	wantLine(t, out, "clock", "ok") // measured on the 401 as well
	wantLine(t, out, "channel "+doctorChannel, "skip", "without a valid token")
}

func TestDoctorTokenOfAnotherApplication(t *testing.T) {
	fake, vars := doctorSetup(t)
	const other = "100000000000000099"
	vars["DISCORD_APP_ID"] = other
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor: exit %d, want %d", code, exitFail)
	}
	wantLine(t, out, "token", "FAIL", "belongs to application "+fake.AppID+", not to DISCORD_APP_ID "+other, "DISCORD_APP_ID to "+fake.AppID)
	wantLine(t, out, "channel "+doctorChannel, "ok") // the token is still valid: its bot is checked
}

func TestDoctorMalformedPublicKey(t *testing.T) {
	_, vars := doctorSetup(t)
	vars["DISCORD_PUBLIC_KEY"] = validKey[:62] // 31 bytes
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor: exit %d, want %d (a check, not a usage error)", code, exitFail)
	}
	wantLine(t, out, "public key", "FAIL", "64-hex-digit", "serve --http")
	wantLine(t, out, "token", "ok") // the other checks still run

	delete(vars, "DISCORD_PUBLIC_KEY")
	code, out, _ = runCmd(t, vars, "doctor")
	if code != exitOK {
		t.Errorf("doctor without a public key: exit %d, want %d", code, exitOK)
	}
	wantLine(t, out, "public key", "skip", "only `serve --http` needs it")
}

func TestDoctorChannelMissingPermissions(t *testing.T) {
	tests := []struct {
		lacks int64
		want  string
	}{
		{discordgo.PermissionViewChannel, "missing View Channel: Discord answers Missing Access"},
		{discordgo.PermissionSendMessages, "missing Send Messages —"},
		{discordgo.PermissionEmbedLinks, "missing Embed Links —"},
		{discordgo.PermissionReadMessageHistory, "missing Read Message History —"},
		{discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory, "missing Embed Links, Read Message History — grant them to the bot's role"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			fake, vars := doctorSetup(t)
			fake.SetChannelPermissions(doctorChannel, discordgo.PermissionAll&^discordgo.PermissionAdministrator&^tc.lacks)
			code, out, _ := runCmd(t, vars, "doctor")
			if code != exitFail {
				t.Errorf("doctor: exit %d, want %d", code, exitFail)
			}
			wantLine(t, out, "channel "+doctorChannel, "FAIL", tc.want)
		})
	}
}

// A role allows Send Messages, and the channel's overwrite for that role
// denies it: the overwrite wins, as at Discord (the fake refuses the post).
func TestDoctorOverwriteDeniesSendMessages(t *testing.T) {
	fake, vars := doctorSetup(t)
	const botRole = "300000000000000010"
	fake.SetGuild(discordtest.Guild{
		ID: discordtest.DefaultGuildID,
		Roles: []*discordgo.Role{
			{ID: discordtest.DefaultGuildID, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory},
			{ID: botRole, Name: "briefbot", Permissions: discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks},
		},
		BotRoles: []string{botRole},
	})
	overwrite := &discordgo.PermissionOverwrite{ID: botRole, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages}
	fake.SetChannel(&discordgo.Channel{ID: doctorChannel, Name: "briefings", PermissionOverwrites: []*discordgo.PermissionOverwrite{overwrite}})
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor: exit %d, want %d", code, exitFail)
	}
	wantLine(t, out, "channel "+doctorChannel, "FAIL", "missing Send Messages —")

	// Allowed back for the bot itself: a member overwrite beats the role's.
	overwrites := []*discordgo.PermissionOverwrite{overwrite,
		{ID: fake.BotUserID, Type: discordgo.PermissionOverwriteTypeMember, Allow: discordgo.PermissionSendMessages}}
	fake.SetChannel(&discordgo.Channel{ID: doctorChannel, Name: "briefings", PermissionOverwrites: overwrites})
	code, out, _ = runCmd(t, vars, "doctor")
	if code != exitOK {
		t.Errorf("doctor with a member overwrite allowing Send Messages: exit %d, want %d:\n%s", code, exitOK, out)
	}
	wantLine(t, out, "channel "+doctorChannel, "ok", "#briefings")
}

func TestDoctorClockOff(t *testing.T) {
	fake, vars := doctorSetup(t)
	fake.Advance(10 * time.Second)
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitOK {
		t.Errorf("doctor with the clock 10 s off: exit %d, want %d (a warning)", code, exitOK)
	}
	wantLine(t, out, "clock", "WARN", "behind Discord's", "NTP")

	fake.Advance(80 * time.Second)
	code, out, _ = runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor with the clock 90 s off: exit %d, want %d", code, exitFail)
	}
	line := doctorLine(t, out, "clock")
	if !strings.HasPrefix(line, "FAIL") || !regexp.MustCompile(`1m(29|30|31)s behind Discord's`).MatchString(line) {
		t.Errorf("clock: %q, want a failure saying the host is 1m30s behind", line)
	}
}

func TestDoctorIndexDoesNotOpen(t *testing.T) {
	_, vars := doctorSetup(t)
	notIndex := t.TempDir()
	if err := os.WriteFile(filepath.Join(notIndex, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars["BRIEFBOT_INDEX"] = notIndex
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor: exit %d, want %d", code, exitFail)
	}
	wantLine(t, out, "index", "FAIL", "is not a briefbot index")

	vars["BRIEFBOT_INDEX"] = filepath.Join(notIndex, "absent")
	_, out, _ = runCmd(t, vars, "doctor")
	wantLine(t, out, "index", "FAIL", "no index at", "briefbot ingest")
}

func TestDoctorIndexHeldByServe(t *testing.T) {
	_, vars := doctorSetup(t)
	serveLikeServe(t, vars["BRIEFBOT_INDEX"])
	code, out, errOut := runCmd(t, vars, "doctor")
	if code != exitOK {
		t.Errorf("doctor while serve runs: exit %d, stderr %q", code, errOut)
	}
	wantLine(t, out, "index", "ok", fmt.Sprintf("held by a running serve (pid %d), which answers on its socket", os.Getpid()))
}

func TestDoctorIndexLockedWithoutServe(t *testing.T) {
	_, vars := doctorSetup(t)
	ix, err := index.Open(vars["BRIEFBOT_INDEX"], index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	code, out, _ := runCmd(t, vars, "doctor")
	if code != exitFail {
		t.Errorf("doctor: exit %d, want %d", code, exitFail)
	}
	wantLine(t, out, "index", "FAIL", "locked", "no serve answers on its socket")
}

func TestDoctorConfigErrorsAreUsageErrors(t *testing.T) {
	_, vars := doctorSetup(t)
	vars["BRIEFBOT_SUMMARY_CHANNEL"] = "general"
	if code, out, errOut := runCmd(t, vars, "doctor"); code != exitUsage || out != "" || !strings.Contains(errOut, "BRIEFBOT_SUMMARY_CHANNEL") {
		t.Errorf("doctor with a bad channel id: exit %d, out %q, stderr %q; want a usage error naming the variable", code, out, errOut)
	}
	if code, _, _ := runCmd(t, vars, "doctor", "extra"); code != exitUsage {
		t.Errorf("doctor extra: exit %d, want %d", code, exitUsage)
	}
}
