package bot

import (
	"encoding/json"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// Command names, shared by the definitions and the handler's dispatch.
const (
	cmdAsk     = "ask"
	cmdSearch  = "search"
	cmdSummary = "summary"
	cmdSources = "sources"
	cmdIngest  = "ingest"
	cmdReindex = "reindex"
	cmdStats   = "stats"
	cmdHelp    = "help"
	// cmdAskMessage is the message command (right-click a message → Apps).
	// Message commands may have spaces and capitals, and no description.
	cmdAskMessage = "Ask briefbot"
)

// maxQueryRunes caps /ask questions and /search keywords. Discord enforces it
// client-side through max_length; the handler checks again because option
// values are user text and an HTTP client can send anything.
const maxQueryRunes = 300

// maxOptionRunes caps the other free-text options (source, author, dates).
const maxOptionRunes = 100

// adminPermissions is the default_member_permissions of admin commands:
// Manage Server. A server's admins may grant a command to other roles or
// members (Server Settings → Integrations); the handler respects that and
// does not check the member's permissions again. /reindex is further
// limited to the bot's operators (see Handler.adminRefusal).
const adminPermissions int64 = discordgo.PermissionManageServer

// isAdminCommand reports whether a command changes or reveals bot internals:
// it works inside a server only, and its reply is private.
func isAdminCommand(name string) bool {
	return name == cmdIngest || name == cmdReindex || name == cmdStats || name == cmdFeeds || name == cmdBriefing
}

// Interaction contexts and installation types, as Discord's API numbers them
// (application commands: "Interaction Context Types" and "Application
// Integration Types").
const (
	contextGuild     = 0 // in a server
	contextBotDM     = 1 // in a DM with the bot
	integrationGuild = 0 // installed to a server
)

// Command is an application command as the bulk-overwrite route takes it.
// discordgo v0.28.1's ApplicationCommand predates contexts and integration
// types, so they are carried here as the plain JSON fields Discord documents.
type Command struct {
	discordgo.ApplicationCommand
	Contexts         []int `json:"contexts,omitempty"`
	IntegrationTypes []int `json:"integration_types,omitempty"`
}

// MarshalJSON leaves "options" out of a message command: discordgo writes
// "options":null for a nil list, and options belong to slash commands only.
func (c *Command) MarshalJSON() ([]byte, error) {
	type plain Command // without this method
	b, err := json.Marshal((*plain)(c))
	if err != nil || c.Type == discordgo.ChatApplicationCommand || c.Options != nil {
		return b, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("command %q: %w", c.Name, err)
	}
	delete(fields, "options")
	return json.Marshal(fields)
}

// Commands returns the command definitions for a bulk overwrite.
//
// All commands are for server installs (integration type 0). User installs
// (1) would need the application's user-install setting in the developer
// portal, and would let the bot answer in servers whose admins never invited
// it; add them here (with context 2, private channels) only deliberately.
// Public commands work in servers and in DMs with the bot (contexts 0 and 1).
// Admin commands work in servers only: /ingest and /stats act on the server
// they are used in, and a DM has no server's command permissions to respect.
// Discord applies contexts and integration types to global commands only;
// guild-registered copies (for testing) are usable in that guild alone.
func Commands() []*Command {
	return []*Command{
		publicCommand(discordgo.ApplicationCommand{
			Name:        cmdAsk,
			Description: "Ask a question; get quoted passages from the briefings, with citations",
			Options: []*discordgo.ApplicationCommandOption{
				stringOption("question", "What you want to know", true, false, maxQueryRunes),
				stringOption("source", "Only articles from this source", false, true, maxOptionRunes),
				stringOption("since", "Only articles since a date (YYYY-MM-DD) or a number of days (7d)", false, false, 20),
				privateOption(),
			},
		}),
		publicCommand(discordgo.ApplicationCommand{
			Name:        cmdSearch,
			Description: "Keyword search over the briefings, with highlights",
			Options: []*discordgo.ApplicationCommandOption{
				stringOption("keywords", "Words to look for", true, false, maxQueryRunes),
				stringOption("source", "Only articles from this source", false, true, maxOptionRunes),
				stringOption("author", "Only articles by this author", false, true, maxOptionRunes),
				stringOption("since", "From this date (YYYY-MM-DD) or a number of days back (7d)", false, false, 20),
				stringOption("until", "Up to and including this date (YYYY-MM-DD)", false, false, 20),
				privateOption(),
			},
		}),
		publicCommand(discordgo.ApplicationCommand{
			Name:        cmdSummary,
			Description: "The day's briefing: key sentences of that day's articles, quoted and cited",
			Options: []*discordgo.ApplicationCommandOption{
				stringOption("date", "The day (YYYY-MM-DD, today, yesterday); default today", false, true, 20),
				privateOption(),
			},
		}),
		publicCommand(discordgo.ApplicationCommand{
			Name:        cmdSources,
			Description: "Indexed sources with article counts and latest dates",
			Options:     []*discordgo.ApplicationCommandOption{},
		}),
		publicCommand(discordgo.ApplicationCommand{
			Name:        cmdHelp,
			Description: "What each command does, and what the bot logs and keeps",
			Options:     []*discordgo.ApplicationCommandOption{},
		}),
		messageCommand(cmdAskMessage),
		adminCommand(discordgo.ApplicationCommand{
			Name:        cmdIngest,
			Description: "Add an article page or RSS/Atom feed to this server's briefings (admins)",
			Options: []*discordgo.ApplicationCommandOption{
				stringOption("url", "The http(s) address of the article or feed", true, false, 2000),
			},
		}),
		adminCommand(discordgo.ApplicationCommand{
			Name:        cmdReindex,
			Description: "Re-read the shared corpus into the index (the bot's operators)",
			Options:     []*discordgo.ApplicationCommandOption{},
		}),
		adminCommand(discordgo.ApplicationCommand{
			Name:        cmdStats,
			Description: "This server's articles, answer times and feedback (admins)",
			Options:     []*discordgo.ApplicationCommandOption{},
		}),
		briefingCommand(),
		feedsCommand(),
	}
}

// publicCommand is a slash command for everyone, in servers and in DMs with
// the bot.
func publicCommand(c discordgo.ApplicationCommand) *Command {
	c.Type = discordgo.ChatApplicationCommand
	return &Command{c, []int{contextGuild, contextBotDM}, []int{integrationGuild}}
}

// messageCommand is a message command (type 3, in the message's Apps menu)
// for everyone, in servers and in DMs with the bot. It takes no options and,
// as Discord requires, no description.
func messageCommand(name string) *Command {
	c := discordgo.ApplicationCommand{Name: name, Type: discordgo.MessageApplicationCommand}
	return &Command{c, []int{contextGuild, contextBotDM}, []int{integrationGuild}}
}

// adminCommand is a slash command for server managers, in servers only.
func adminCommand(c discordgo.ApplicationCommand) *Command {
	c.Type = discordgo.ChatApplicationCommand
	perm := adminPermissions
	c.DefaultMemberPermissions = &perm
	return &Command{c, []int{contextGuild}, []int{integrationGuild}}
}

// stringOption is a STRING option of at most maxLen characters; a required
// one must also be non-empty.
func stringOption(name, desc string, required, autocomplete bool, maxLen int) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{
		Type:         discordgo.ApplicationCommandOptionString,
		Name:         name,
		Description:  desc,
		Required:     required,
		Autocomplete: autocomplete,
		MaxLength:    maxLen,
	}
	if required {
		minOne := 1
		o.MinLength = &minOne
	}
	return o
}

// privateOption is the "private" switch: the reply is ephemeral.
func privateOption() *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type:        discordgo.ApplicationCommandOptionBoolean,
		Name:        "private",
		Description: "Only you see the reply",
	}
}
