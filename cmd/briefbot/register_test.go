package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// scriptGuildList makes the fake answer GET on a guild's commands with the
// commands it holds for that guild right now (as Discord lists them).
func scriptGuildList(t *testing.T, fake *discordtest.Server, guild string) {
	t.Helper()
	b, err := json.Marshal(fake.Commands(guild))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) == "null" {
		b = []byte("[]")
	}
	fake.Script("GET", `/api/v9/applications/[0-9]+/guilds/`+guild+`/commands`, discordtest.Reply{Status: 200, Body: string(b)})
}

// TestRegisterFromGuildToGlobal: a server tried with guild commands, then
// registered globally. register says (one line) that the server still has
// its guild commands; --clear-guild removes them with an empty bulk
// overwrite; after that register says nothing more.
func TestRegisterFromGuildToGlobal(t *testing.T) {
	fake := discordtest.New(t)
	const guild = "300000000000000001"
	root := t.TempDir()
	vars := map[string]string{
		"HOME":             root,
		"DISCORD_TOKEN":    strings.TrimPrefix(fake.Token, "Bot "),
		"DISCORD_APP_ID":   fake.AppID,
		"DISCORD_API_BASE": fake.URL,
		"DISCORD_GUILD_ID": guild,
		"BRIEFBOT_INDEX":   filepath.Join(root, "index"),
	}
	code, out, errOut := runCmd(t, vars, "register", "--guild", guild)
	if code != exitOK || len(fake.Commands(guild)) == 0 || !strings.Contains(out, "to server "+guild) {
		t.Fatalf("register --guild: exit %d, %d guild commands, out %q, err %q", code, len(fake.Commands(guild)), out, errOut)
	}

	scriptGuildList(t, fake, guild)
	code, out, errOut = runCmd(t, vars, "register")
	if code != exitOK || len(fake.Commands("")) == 0 || !strings.Contains(out, "globally") {
		t.Fatalf("register: exit %d, %d global commands, out %q, err %q", code, len(fake.Commands("")), out, errOut)
	}
	want := fmt.Sprintf("still has %d guild commands", len(fake.Commands(guild)))
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 1 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], "register --clear-guild "+guild) {
		t.Errorf("register said %q, want one line with %q and the --clear-guild command", errOut, want)
	}

	code, out, errOut = runCmd(t, vars, "register", "--clear-guild", guild)
	if code != exitOK || !strings.Contains(out, "removed the commands registered to server "+guild) {
		t.Fatalf("register --clear-guild: exit %d, out %q, err %q", code, out, errOut)
	}
	puts := fake.Find("PUT", `/api/v9/applications/[0-9]+/guilds/`+guild+`/commands`)
	if last := puts[len(puts)-1]; strings.TrimSpace(string(last.Body)) != "[]" || len(fake.Commands(guild)) != 0 {
		t.Errorf("clear sent %s; guild has %d commands, want []", last.Body, len(fake.Commands(guild)))
	}
	if len(fake.Commands("")) == 0 {
		t.Error("clearing the server removed the global commands")
	}

	scriptGuildList(t, fake, guild)
	if code, _, errOut = runCmd(t, vars, "register"); code != exitOK || errOut != "" {
		t.Errorf("register after clearing: exit %d, stderr %q, want nothing", code, errOut)
	}
}

func TestRegisterFlagErrors(t *testing.T) {
	vars := map[string]string{"DISCORD_TOKEN": "t", "DISCORD_APP_ID": "100000000000000001"}
	for _, args := range [][]string{
		{"register", "--clear-guild", "12ab"},
		{"register", "--guild", "300000000000000001", "--clear-guild", "300000000000000001"},
	} {
		if code, _, errOut := runCmd(t, vars, args...); code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want a one-line usage error", args, code, errOut)
		}
	}
}
