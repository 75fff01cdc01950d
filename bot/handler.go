package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
)

// HandlerOptions configure a Handler. The zero value works: UTC, the real
// clock, no logging, no admin operations, no feedback log.
type HandlerOptions struct {
	// Location is the zone days are counted in (/summary, "today", the daily
	// post). nil = UTC.
	Location *time.Location
	// Now is the clock; nil = time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// Logger receives one line per interaction; nil = discard.
	Logger *slog.Logger
	// Fetcher and Admin serve /ingest and /reindex; nil = those commands
	// answer that they are not configured.
	Fetcher Fetcher
	Admin   Admin
	// Feeds serves /feeds (a server's feed subscriptions); nil = /feeds
	// answers that it is not set up.
	Feeds Feeds
	// FeedbackLog is the path of the append-only JSON Lines file 👍/👎 are
	// recorded in and /stats counts; "" = votes are thanked but not kept.
	FeedbackLog string
	// StartedAt is when the process started, for the uptime in /stats;
	// zero = when NewHandler was called.
	StartedAt time.Time
	// RateLimit is the per-user limit on questions; zero = 5 in 10 s.
	RateLimit RateLimit
	// UserHashKey keys the hash that stands for a user id in logs and the
	// feedback log. The hash is pseudonymous, not anonymous: with the key
	// one can test whether a given id voted. "" = a fixed built-in key.
	UserHashKey string
	// Observer is told of every interaction, deferral, failed reply and
	// Discord 429, for metrics; nil = nobody.
	Observer Observer
	// Briefings holds the servers' /briefing settings; nil = Serve opens
	// them in its StateDir. ChannelChecker checks /briefing set's channel;
	// nil = Serve's, which asks Discord.
	Briefings      *BriefingStore
	ChannelChecker ChannelChecker
	// Operators are user ids (BRIEFBOT_OPERATORS) who may use /reindex,
	// besides the application's owner or team, which Serve reads from
	// Discord at start-up (see SetOwners).
	Operators []string
	// Feedback, when set, shares the 👍/👎 among the replicas of a
	// deployment, and /stats counts the shared votes; nil = the
	// FeedbackLog alone.
	Feedback FeedbackShare
	// ReplicaName names this process among the replicas of a deployment:
	// /stats then says which figures are the whole deployment's and which
	// this replica's. "" = a single instance.
	ReplicaName string
	// Servers, when not empty, are the only server ids the bot answers in
	// (BRIEFBOT_SERVERS); anywhere else, DMs included, every command and
	// button gets one ephemeral "not enabled here". Empty = every server.
	Servers []string
}

// Handler answers interactions. It is safe for concurrent use.
type Handler struct {
	eng      Engine
	loc      *time.Location
	now      func() time.Time
	log      *slog.Logger
	fetcher  Fetcher
	admin    Admin
	feeds    Feeds
	feedback *feedbackLog
	replica  string // ReplicaName
	started  time.Time
	limit    *limiter
	stats    answerStats
	hashKey  string
	obs      Observer
	// briefings and checker serve /briefing; Serve fills them when nil,
	// before any interaction arrives.
	briefings *BriefingStore
	checker   ChannelChecker
	operators *operators
	servers   serverGate
}

// NewHandler returns a Handler answering from eng.
func NewHandler(eng Engine, opts HandlerOptions) *Handler {
	h := &Handler{
		eng:      eng,
		loc:      opts.Location,
		now:      opts.Now,
		log:      opts.Logger,
		fetcher:  opts.Fetcher,
		admin:    opts.Admin,
		feeds:    opts.Feeds,
		feedback: &feedbackLog{path: opts.FeedbackLog, share: opts.Feedback},
		replica:  opts.ReplicaName,
		started:  opts.StartedAt,
		limit:    newLimiter(opts.RateLimit),
		hashKey:  opts.UserHashKey,
		obs:      opts.Observer,
	}
	h.briefings, h.checker = opts.Briefings, opts.ChannelChecker
	h.operators, h.servers = newOperators(opts.Operators), newServerGate(opts.Servers)
	if h.obs == nil {
		h.obs = nopObserver{}
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.started.IsZero() {
		h.started = h.now()
	}
	if h.hashKey == "" {
		h.hashKey = "briefbot"
	}
	return h
}

// outcome is what happened to an interaction, for the log line.
type outcome struct {
	command string
	button  string // customIDLabel of a button's custom_id, never its text
	kind    string // "ok", "no_match", "invalid", "rate_limited", "forbidden", "error"
	results int
	err     error
}

// settle records how a command or button ended and returns what the user
// sees: resp when it worked, the input error's own message when the user
// asked for something impossible, else failure (the error goes to the log
// only: it may name files or hosts).
func (out *outcome) settle(resp *discordgo.InteractionResponse, err error, failure string) *discordgo.InteractionResponse {
	if err != nil {
		var ie inputError
		if errors.As(err, &ie) {
			out.kind = "invalid"
			return ephemeral(ie.msg)
		}
		out.kind, out.err = "error", err
		return ephemeral(failure)
	}
	if out.kind == "" {
		out.kind = "ok"
	}
	return resp
}

// Handle answers one interaction: an application command, an autocomplete
// request, a message component (button) or a PING. It does no Discord I/O
// and always returns a response within Discord's limits, with
// allowed_mentions allowing none; it returns nil only for a nil interaction.
// A panic inside is recovered and answered with an apology, so one bad
// interaction cannot take the bot down.
//
// When Handle is slow, the transport first sends Deferral(i) and later edits
// the original response with the Data of Handle's result.
func (h *Handler) Handle(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse) {
	if i == nil {
		return nil
	}
	start := h.now()
	var out outcome
	defer func() {
		if r := recover(); r != nil {
			out.kind = "error"
			out.err = fmt.Errorf("panic: %v", r)
			h.log.Error("handler panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp = h.finish(i, ephemeral("Sorry, something went wrong on my side. Please try again."))
		}
		latency := h.now().Sub(start)
		h.logInteraction(i, out, latency)
		h.obs.Interaction(out.command, out.kind, latency)
	}()

	if i.Type == discordgo.InteractionPing {
		out.kind = "ok"
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}
	}
	// PING aside, nothing is answered where the bot is not enabled.
	if !h.servers.allows(i.GuildID) {
		out.command = refusedName(i)
		return h.finish(i, notEnabled(i, &out))
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		resp = h.command(ctx, i, start, &out)
	case discordgo.InteractionApplicationCommandAutocomplete:
		resp = h.autocomplete(ctx, i, &out)
	case discordgo.InteractionMessageComponent:
		resp = h.component(ctx, i, start, &out)
	default:
		out.kind = "invalid"
		resp = ephemeral("I don't know how to answer that kind of interaction.")
	}
	return h.finish(i, resp)
}

// finish applies Discord's limits to a message response and disables
// mentions. Autocomplete and PONG carry no message.
func (h *Handler) finish(i *discordgo.Interaction, resp *discordgo.InteractionResponse) *discordgo.InteractionResponse {
	if resp == nil || resp.Data == nil {
		return resp
	}
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
		d := resp.Data
		d.Content, d.Embeds, d.Components = fitMessage(d.Content, d.Embeds, d.Components)
		d.AllowedMentions = noMentions()
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		resp.Data.Choices = fitChoices(resp.Data.Choices)
	}
	return resp
}

// Deferral is what the transport sends first when Handle is not done within
// about 1.5 s; the transport then edits the original response with Handle's
// result. For an application command it is type 5 (the user sees "thinking"),
// ephemeral when the reply will be (private:true, or an admin command),
// because ephemerality is fixed at defer time. For a paging button it is
// type 6 (the edit then replaces the message with the new page; a refusal or
// an error goes out as a new ephemeral message instead). For the other
// buttons (Context, 👍/👎), whose reply is a new ephemeral message, it is type
// 5 with flags 64: a type 6 would make that edit overwrite the answer. Nil for
// PING and autocomplete, which must be answered directly.
func (h *Handler) Deferral(i *discordgo.Interaction) *discordgo.InteractionResponse {
	if i == nil {
		return nil
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		var flags discordgo.MessageFlags
		if ok && (isAdminCommand(data.Name) || optBool(data.Options, "private")) {
			flags = discordgo.MessageFlagsEphemeral
		}
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags},
		}
	case discordgo.InteractionMessageComponent:
		data, _ := i.Data.(discordgo.MessageComponentInteractionData)
		if strings.HasPrefix(data.CustomID, idPage+"|") {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		}
	}
	return nil
}

// message is a new message in reply (type 4).
func message(content string, embeds []*discordgo.MessageEmbed, comps []discordgo.MessageComponent, private bool) *discordgo.InteractionResponse {
	var flags discordgo.MessageFlags
	if private {
		flags = discordgo.MessageFlagsEphemeral
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: content, Embeds: embeds, Components: comps, Flags: flags,
		},
	}
}

// update replaces the message a button sits on (type 7).
func update(content string, embeds []*discordgo.MessageEmbed, comps []discordgo.MessageComponent) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: content, Embeds: embeds, Components: comps},
	}
}

// ephemeral is a private text reply, used for errors and refusals.
func ephemeral(content string) *discordgo.InteractionResponse {
	return message(content, nil, nil, true)
}

// scope is what an interaction may see: the shared space, plus the space of
// the server it comes from (none in a DM).
func scope(i *discordgo.Interaction) briefbot.Scope {
	return briefbot.Scope{Server: i.GuildID}
}

// refusedName is the command name of an interaction, or "button", for
// the log line of an interaction refused before dispatch.
func refusedName(i *discordgo.Interaction) string {
	if data, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		return data.Name
	}
	if i.Type == discordgo.InteractionMessageComponent {
		return "button"
	}
	return ""
}

// userID returns the id of whoever triggered i: member.user in a server,
// user in a DM. Either may be absent in malformed input.
func userID(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// userHash stands for a user id in logs and the feedback log.
func (h *Handler) userHash(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(h.hashKey + ":" + id))
	return hex.EncodeToString(sum[:6])
}

// logInteraction writes the one log line of an interaction: type, command,
// user hash, outcome, result count and latency, and for a button its kind,
// page and custom_id length. It never logs the token, the user id, the
// question text or a custom_id (which carries the question).
func (h *Handler) logInteraction(i *discordgo.Interaction, out outcome, latency time.Duration) {
	attrs := []any{
		"type", i.Type.String(),
		"command", out.command,
		"user", h.userHash(userID(i)),
		"guild", i.GuildID != "",
		"outcome", out.kind,
		"results", out.results,
		"latency_ms", float64(latency.Microseconds()) / 1000,
	}
	if out.button != "" {
		attrs = append(attrs, "button", out.button)
	}
	switch {
	case out.err != nil:
		attrs = append(attrs, "error", out.err.Error())
		h.log.Warn("interaction", attrs...)
	case i.Type == discordgo.InteractionApplicationCommandAutocomplete || i.Type == discordgo.InteractionPing:
		// One per keystroke (or health probe): kept out of the info log.
		h.log.Debug("interaction", attrs...)
	default:
		h.log.Info("interaction", attrs...)
	}
}
