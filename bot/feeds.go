package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/textrules"
)

// cmdFeeds is /feeds add|remove|list: a server's feed subscriptions.
const cmdFeeds = "feeds"

// maxFeedURL caps the url option, as /ingest's.
const maxFeedURL = 2000

// FeedInfo is one of a server's feed subscriptions, as /feeds shows it.
type FeedInfo struct {
	URL   string
	Every time.Duration
	// Title and Items are what the check-fetch found when the feed was
	// just added; empty in a list.
	Title string
	Items int
	// The polling state, for /feeds list.
	LastSuccess   time.Time
	LastError     string
	LastErrorAt   time.Time
	ItemsSeen     int
	AddedThisWeek int
}

// FeedRefusal is a Feeds error meant for the server's admin: the address
// is not a feed, is refused, is already subscribed, the server has too
// many feeds, the interval is too short. Any other error is the bot's
// trouble and goes to the log only.
type FeedRefusal struct {
	// Reason is the bot's own sentence, shown as written (it may quote
	// a command in backticks); it must hold nothing the user typed.
	Reason string
	// Detail is an error's text (the address, a host, a status), shown
	// after the reason, escaped and shortened; "" = none.
	Detail string
}

func (r FeedRefusal) Error() string {
	if r.Detail == "" {
		return r.Reason
	}
	return r.Reason + " (" + r.Detail + ")"
}

// feedsCommand is the definition of /feeds: for server admins
// (default_member_permissions Manage Server, which the handler does not
// check again), in servers only.
func feedsCommand() *Command {
	return adminCommand(discordgo.ApplicationCommand{
		Name:        cmdFeeds,
		Description: "Feeds polled into this server's own briefings (admins)",
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add",
				Description: "Subscribe this server to an RSS, Atom or JSON feed",
				Options: []*discordgo.ApplicationCommandOption{
					stringOption("url", "The feed's http(s) address", true, false, maxFeedURL),
					stringOption("every", "How often to check it, e.g. 30m or 2h (default 1h)", false, false, 20),
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove",
				Description: "Unsubscribe this server from a feed (its articles stay)",
				Options: []*discordgo.ApplicationCommandOption{
					stringOption("url", "The feed's address", true, true, maxFeedURL),
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list",
				Description: "This server's feeds and how their polling goes",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionInteger, Name: "page", Description: "Which page, when they fill more than one (default 1)", MinValue: &minPage},
				},
			},
		},
	})
}

// minPage is the least page of /feeds list.
var minPage = 1.0

// feedsTrouble is the reply when Feeds fails on the bot's side.
const feedsTrouble = "Sorry, I couldn't reach this server's feed subscriptions just now. The bot's log has the details."

// feedsCmd answers /feeds, an admin command (so never in a DM: see
// adminRefusal). Every reply is ephemeral; it acts on the server the command
// comes from, and shows nothing of another server's feeds.
func (h *Handler) feedsCmd(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	if len(opts) != 1 || opts[0] == nil || opts[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return nil, invalidf("Use `/feeds add`, `/feeds remove` or `/feeds list`.")
	}
	if h.feeds == nil {
		out.kind = "invalid"
		return ephemeral("Feed subscriptions are not set up on this bot."), nil
	}
	sub := opts[0]
	var resp *discordgo.InteractionResponse
	var err error
	switch sub.Name {
	case "add":
		resp, err = h.feedsAdd(ctx, i.GuildID, sub.Options, out)
	case "remove":
		resp, err = h.feedsRemove(ctx, i.GuildID, sub.Options)
	case "list":
		resp, err = h.feedsList(ctx, i.GuildID, sub.Options, out)
	default:
		return nil, invalidf("Use `/feeds add`, `/feeds remove` or `/feeds list`.")
	}
	var refusal FeedRefusal
	var ie inputError
	switch {
	case errors.As(err, &refusal):
		out.kind = "invalid"
		text := refusal.Reason
		if refusal.Detail != "" {
			text += " (" + truncate(escapeMarkdown(oneLine(cleanText(refusal.Detail, false))), 400) + ")"
		}
		return ephemeral(text), nil
	case err != nil && !errors.As(err, &ie):
		out.kind, out.err = "error", err
		return ephemeral(feedsTrouble), nil
	}
	return resp, err
}

// feedURLOption reads the url option: an http(s) address with a host.
func feedURLOption(opts []*discordgo.ApplicationCommandInteractionDataOption) (string, error) {
	raw := strings.TrimSpace(optString(opts, "url"))
	if raw == "" || utf8.RuneCountInString(raw) > maxFeedURL {
		return "", invalidf("Please give the feed's address (http or https).")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalidf("%s is not an http(s) address.", quoteInput(raw))
	}
	return raw, nil
}

// parseEvery reads the every option: a duration such as 30m, 2h or 1h30m,
// a number of days (1d), or a bare number of minutes; "" is 0 (the
// default). The minimum is Feeds', which knows the configured one.
func parseEvery(raw string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return 0, nil
	}
	bad := invalidf("%s is not an interval: write it like `30m`, `2h` or `1d`.", quoteInput(raw))
	if n, err := strconv.Atoi(s); err == nil {
		s = strconv.Itoa(n) + "m"
	} else if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 7 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > 7*24*time.Hour {
		return 0, bad
	}
	return d, nil
}

func (h *Handler) feedsAdd(ctx context.Context, server string, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	raw, err := feedURLOption(opts)
	if err != nil {
		return nil, err
	}
	every, err := parseEvery(optString(opts, "every"))
	if err != nil {
		return nil, err
	}
	f, err := h.feeds.AddFeed(ctx, server, raw, every)
	if err != nil {
		return nil, err
	}
	out.results = f.Items
	title := ""
	if t := oneLine(cleanText(f.Title, false)); t != "" {
		title = " (“" + truncate(escapeMarkdown(t), 100) + "”)"
	}
	return ephemeral(fmt.Sprintf("Subscribed this server to %s%s, %s now, checked every %s. "+
		"Its articles go into this server's briefings only; the first arrive within a few minutes.",
		feedLink(f.URL), title, textrules.Plural(f.Items, "item", "items"), ShortDuration(f.Every))), nil
}

func (h *Handler) feedsRemove(ctx context.Context, server string, opts []*discordgo.ApplicationCommandInteractionDataOption) (*discordgo.InteractionResponse, error) {
	raw, err := feedURLOption(opts)
	if err != nil {
		return nil, err
	}
	if err := h.feeds.RemoveFeed(ctx, server, raw); err != nil {
		return nil, err
	}
	return ephemeral("Unsubscribed this server from " + feedLink(raw) + ". The articles it already added stay in this server's briefings."), nil
}

// feedsPageBudget keeps a page of /feeds list within one message (2000
// characters), with room for its first and last lines.
const feedsPageBudget = 1800

func (h *Handler) feedsList(ctx context.Context, server string, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	page := optPage(opts)
	if page < 1 {
		return nil, invalidf("The page is a whole number from 1.")
	}
	list, err := h.feeds.ListFeeds(ctx, server)
	if err != nil {
		return nil, err
	}
	out.results = len(list)
	if len(list) == 0 {
		return ephemeral("This server has no feeds. Add one with `/feeds add url:`."), nil
	}
	pages := feedPages(list, h.loc)
	if page > len(pages) {
		return nil, invalidf("This server's feeds fill %s.", textrules.Plural(len(pages), "page", "pages"))
	}
	var b strings.Builder
	b.WriteString("This server's " + textrules.Plural(len(list), "feed", "feeds"))
	if len(pages) > 1 {
		fmt.Fprintf(&b, " (page %d of %d)", page, len(pages))
	}
	b.WriteString(":")
	for _, entry := range pages[page-1] {
		b.WriteString(entry)
	}
	if page < len(pages) {
		fmt.Fprintf(&b, "\nMore with `/feeds list page:%d`.", page+1)
	}
	return ephemeral(b.String()), nil
}

// feedPages cuts the feeds' entries into pages that each fit a message,
// in the list's order (the order they were added), so that page n is the
// same from one call to the next.
func feedPages(list []FeedInfo, loc *time.Location) [][]string {
	var pages [][]string
	var cur []string
	size := 0
	for _, f := range list {
		entry := feedEntry(f, loc)
		if len(cur) > 0 && size+len(entry) > feedsPageBudget {
			pages, cur, size = append(pages, cur), nil, 0
		}
		cur, size = append(cur, entry), size+len(entry)
	}
	return append(pages, cur)
}

// optPage is the page option: 1 when absent, 0 when not a whole number
// (Discord sends integers as JSON numbers).
func optPage(opts []*discordgo.ApplicationCommandInteractionDataOption) int {
	o := findOption(opts, "page")
	if o == nil {
		return 1
	}
	switch v := o.Value.(type) {
	case float64:
		if v == float64(int(v)) && v >= 1 && v <= 1000 {
			return int(v)
		}
	case int64:
		if v >= 1 && v <= 1000 {
			return int(v)
		}
	}
	return 0
}

// feedEntry is one feed of /feeds list: its address and interval, its last
// success, what it brought, and its last error with when.
func feedEntry(f FeedInfo, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n• %s, every %s\n  last success: %s · %s seen · %s added this week",
		feedLink(f.URL), ShortDuration(f.Every), feedTime(f.LastSuccess, loc),
		textrules.Plural(f.ItemsSeen, "item", "items"), textrules.Plural(f.AddedThisWeek, "article", "articles"))
	if f.LastError != "" {
		fmt.Fprintf(&b, "\n  last error (%s): %s", feedTime(f.LastErrorAt, loc),
			truncate(escapeMarkdown(oneLine(cleanText(f.LastError, false))), 200))
	}
	return b.String()
}

// feedLink shows a feed's address: a link that does not embed, or for an
// address too long to link, its escaped beginning.
func feedLink(raw string) string {
	if u := safeURL(raw); u != "" && len(u) <= 300 {
		return "<" + u + ">"
	}
	return "`" + truncate(strings.ReplaceAll(oneLine(raw), "`", "'"), 100) + "`"
}

// feedTime is a time in the bot's zone, or "never". Not a Discord
// timestamp (<t:…>): the bot's messages carry no markup of that kind.
func feedTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// ShortDuration writes 1h0m0s as 1h and 1h30m0s as 1h30m.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// feedChoices offers the server's own feeds for /feeds remove: those whose
// address starts with what was typed, then those containing it. Outside a
// server there is nothing to offer.
func (h *Handler) feedChoices(ctx context.Context, server, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	if h.feeds == nil || server == "" {
		return nil, nil
	}
	list, err := h.feeds.ListFeeds(ctx, server)
	if err != nil {
		return nil, err
	}
	var prefix, contains []*discordgo.ApplicationCommandOptionChoice
	for _, f := range list {
		// A value Discord would refuse is better not offered; the admin
		// can still paste it.
		if f.URL == "" || textLen(f.URL) > maxChoiceValue {
			continue
		}
		lower := strings.ToLower(f.URL)
		c := &discordgo.ApplicationCommandOptionChoice{Name: f.URL, Value: f.URL}
		switch {
		case strings.HasPrefix(lower, typed), strings.HasPrefix(strings.TrimPrefix(strings.TrimPrefix(lower, "https://"), "http://"), typed):
			prefix = append(prefix, c)
		case strings.Contains(lower, typed):
			contains = append(contains, c)
		}
	}
	return append(prefix, contains...), nil
}
