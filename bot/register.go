package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/briefbot/briefbot/internal/atomicfile"

	"github.com/bwmarrin/discordgo"
)

// registerState is what the state file remembers of the last registration.
type registerState struct {
	Hash         string    `json:"hash"`
	AppID        string    `json:"app_id"`
	GuildID      string    `json:"guild_id,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// CommandsHash identifies the command definitions and where they go: it
// changes when a command, option or description changes, or when the target
// (application, guild or global) changes.
func CommandsHash(appID, guildID string, cmds []*Command) (string, error) {
	b, err := json.Marshal(struct {
		AppID, GuildID string
		Commands       []*Command
	}{appID, guildID, cmds})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Register overwrites the application's commands with Commands() in one bulk
// PUT: to guildID when set (instant; for testing), else globally. Unless
// force is set, it does nothing when the definitions are unchanged since the
// registration remembered in statePath (restart loops would otherwise burn
// Discord's 200-creates-a-day budget). statePath "" means always register and
// remember nothing. changed reports whether the PUT was made.
func Register(ctx context.Context, s *discordgo.Session, appID, guildID, statePath string, force bool) (changed bool, err error) {
	cmds := Commands()
	hash, err := CommandsHash(appID, guildID, cmds)
	if err != nil {
		return false, fmt.Errorf("register commands: %w", err)
	}
	if !force && statePath != "" {
		var st registerState
		// A missing or damaged state file costs one registration, no more.
		if err := readJSONFile(statePath, &st); err == nil && st.Hash == hash {
			return false, nil
		}
	}
	// PUT replaces the whole list, so repeating it after a 5xx is harmless.
	err = retryREST(ctx, defaultBackoff, 4, true, func(ctx context.Context) error {
		return bulkOverwrite(s, appID, guildID, cmds, restOptions(ctx)...)
	})
	if err != nil {
		return false, fmt.Errorf("register commands: %w", err)
	}
	if statePath != "" {
		st := registerState{Hash: hash, AppID: appID, GuildID: guildID, RegisteredAt: time.Now().UTC()}
		if err := atomicfile.WriteJSON(statePath, st); err != nil {
			return true, fmt.Errorf("register commands: registered, but remembering it failed: %w", err)
		}
	}
	return true, nil
}

// bulkOverwrite is discordgo's ApplicationCommandBulkOverwrite for our
// Command type, which carries the fields discordgo v0.28.1 lacks.
func bulkOverwrite(s *discordgo.Session, appID, guildID string, cmds []*Command, opts ...discordgo.RequestOption) error {
	endpoint := discordgo.EndpointApplicationGlobalCommands(appID)
	if guildID != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(appID, guildID)
	}
	_, err := s.RequestWithBucketID(http.MethodPut, endpoint, cmds, endpoint, opts...)
	return err
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ClearGuild removes every command registered to guildID, with a bulk
// overwrite by an empty list: the way out of duplicates after moving from
// guild to global registration (a guild command and a global command of the
// same name both show). When statePath remembers a registration to that
// guild, it is forgotten, so the next serve registers as it is configured.
func ClearGuild(ctx context.Context, s *discordgo.Session, appID, guildID, statePath string) error {
	err := retryREST(ctx, defaultBackoff, 4, true, func(ctx context.Context) error {
		return bulkOverwrite(s, appID, guildID, []*Command{}, restOptions(ctx)...)
	})
	if err != nil {
		return fmt.Errorf("clear the commands of server %s: %w", guildID, err)
	}
	var st registerState
	if statePath != "" && readJSONFile(statePath, &st) == nil && st.GuildID == guildID {
		if err := os.Remove(statePath); err != nil {
			return fmt.Errorf("cleared server %s, but forgetting its registration failed: %w", guildID, err)
		}
	}
	return nil
}

// GuildCommandCount is the number of the application's commands registered
// to guildID.
func GuildCommandCount(ctx context.Context, s *discordgo.Session, appID, guildID string) (int, error) {
	var cmds []*discordgo.ApplicationCommand
	err := retryREST(ctx, defaultBackoff, 3, true, func(ctx context.Context) error {
		var err error
		cmds, err = s.ApplicationCommands(appID, guildID, restOptions(ctx)...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("list the commands of server %s: %w", guildID, err)
	}
	return len(cmds), nil
}
