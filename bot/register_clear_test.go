package bot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/briefbot/briefbot/internal/discordtest"
)

// Clearing the server last registered to forgets that registration, so the
// next (unforced) registration to it is made again instead of being skipped
// as unchanged.
func TestClearGuildForgetsItsRegistration(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	const guild = "300000000000000001"
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "commands.json")
	ctx := context.Background()
	if _, err := Register(ctx, s, fake.AppID, guild, state, false); err != nil {
		t.Fatal(err)
	}
	if err := ClearGuild(ctx, s, fake.AppID, guild, state); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Commands(guild)); n != 0 {
		t.Errorf("%d commands left in the server", n)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("registration state kept after clearing its server: %v", err)
	}
	if changed, err := Register(ctx, s, fake.AppID, guild, state, false); err != nil || !changed || len(fake.Commands(guild)) == 0 {
		t.Errorf("register after clearing: changed %v, %v, %d commands", changed, err, len(fake.Commands(guild)))
	}
}
