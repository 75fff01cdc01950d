package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/bot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/textrules"
	"github.com/briefbot/briefbot/replica"
)

// `briefbot doctor` checks, before serve is started or while it runs, what
// serve needs from Discord and from the host, and says for each what to fix.

// check is one line of doctor's report.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`     // false only for a failure
	Status string `json:"status"` // "ok", "warn", "fail" or "skip"
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

func passed(name, detail string) check      { return check{name, true, "ok", detail, ""} }
func warned(name, detail, fix string) check { return check{name, true, "warn", detail, fix} }
func failed(name, detail, fix string) check { return check{name, false, "fail", detail, fix} }
func skipped(name, detail string) check     { return check{name, true, "skip", detail, ""} }

// Clock offsets from Discord's: Discord's interaction deadlines are 3 s and
// 15 min, and serve corrects interaction ages for the offset, so a few
// seconds are worth a warning and a minute is a failure.
const (
	clockWarnAt = 5 * time.Second
	clockFailAt = 60 * time.Second
)

// doctorTimeout bounds all the checks together, so that doctor answers
// even when Discord or the network does not.
const doctorTimeout = 30 * time.Second

func cmdDoctor(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "doctor", "[--index DIR] [--json]")
	dir := indexFlag(fs)
	asJSON := fs.Bool("json", false, "print the checks as a JSON list of {name, ok, status, detail, fix}")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	indexDir, _ := a.indexLocation(*dir)
	// The public key is checked (and reported) on its own line below, so a
	// malformed one does not stop the other checks here.
	cfg, err := loadServeConfig(withoutPublicKey(a.getenv), indexDir, "")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	checks := []check{publicKeyCheck(a.getenv, indexDir)}
	checks = append(checks, discordChecks(ctx, cfg.bot)...)
	checks = append(checks, indexCheck(ctx, a, cfg), natsCheck(ctx, cfg.nats, cfg.indexDir))
	if *asJSON {
		if err := writeJSON(a.stdout, checks); err != nil {
			return err
		}
	} else {
		printChecks(a.stdout, checks)
	}
	if n := countFailed(checks); n > 0 {
		return fmt.Errorf("%s of %d failed", textrules.Plural(n, "check", "checks"), len(checks))
	}
	return nil
}

func countFailed(checks []check) int {
	n := 0
	for _, c := range checks {
		if !c.OK {
			n++
		}
	}
	return n
}

// printChecks writes one line per check: its status, name, what was found
// and, after a dash, what to do about it.
func printChecks(w io.Writer, checks []check) {
	labels := map[string]string{"ok": "ok", "warn": "WARN", "fail": "FAIL", "skip": "skip"}
	for _, c := range checks {
		line := fmt.Sprintf("%-4s %s: %s", labels[c.Status], c.Name, c.Detail)
		if c.Fix != "" {
			line += " — " + c.Fix
		}
		fmt.Fprintln(w, line)
	}
}

func withoutPublicKey(getenv env) env {
	return func(k string) string {
		if k == "DISCORD_PUBLIC_KEY" {
			return ""
		}
		return getenv(k)
	}
}

// publicKeyCheck validates DISCORD_PUBLIC_KEY with serve's own
// configuration reader: everything else in it passed already (cmdDoctor),
// so an error now is about the key.
func publicKeyCheck(getenv env, indexDir string) check {
	const name = "public key"
	if strings.TrimSpace(getenv("DISCORD_PUBLIC_KEY")) == "" {
		return skipped(name, "DISCORD_PUBLIC_KEY is not set; only `serve --http` needs it")
	}
	if _, err := loadServeConfig(getenv, indexDir, ""); err != nil {
		return failed(name, err.Error(), "copy the Public Key from the Developer Portal (General Information) into DISCORD_PUBLIC_KEY")
	}
	return passed(name, "DISCORD_PUBLIC_KEY is well formed (64 hex digits, 32 bytes), as `serve --http` requires")
}

// natsCheck connects to NATS as serve would, which creates the article
// stream (or updates its settings) as serve's start does, then asks for
// the stream: doctor says whether a replica could start and follow it,
// also whether the log still holds what the index at indexDir lacks.
func natsCheck(ctx context.Context, c natsConfig, indexDir string) check {
	const name = "nats"
	if !c.enabled() {
		return skipped(name, "not configured (BRIEFBOT_NATS_URL is unset: a single instance)")
	}
	node, err := replica.Connect(ctx, c.replica(), nil)
	if err != nil {
		return failed(name, err.Error(), natsFix(err, c))
	}
	defer node.Close()
	if err := node.Check(ctx); err != nil {
		return failed(name, err.Error(), natsFix(err, c))
	}
	lag, err := node.Lag(ctx)
	if err != nil {
		return failed(name, err.Error(), natsFix(err, c))
	}
	if err := resumeCheck(ctx, node, indexDir); err != nil {
		fix := "stop a caught-up replica and copy its index directory to " + indexDir
		if errors.Is(err, replica.ErrLogBehind) {
			fix = "move " + indexDir + " away (serve rebuilds it from the log), then ingest what the log lacks through any replica"
		}
		return failed(name, err.Error(), fix+" (docs/operations.md, \"The article log over time\")")
	}
	return passed(name, fmt.Sprintf("%s: connected, JetStream answers, stream %s holds %s",
		c.describe(), replica.StreamName, textrules.Plural(int(lag), "change", "changes")))
}

// resumeCheck is replica.Node.CheckResume for the index at dir, opened
// read-only (none yet: a new replica, which needs the whole log). nil when
// a running serve holds the index: its start checked.
func resumeCheck(ctx context.Context, node *replica.Node, dir string) error {
	var applied uint64
	if _, err := os.Stat(dir); err == nil {
		ix, err := index.Open(dir, index.Options{ReadOnly: true})
		if err != nil {
			return nil // the index line says what is wrong with it
		}
		applied = ix.AppliedSeq()
		ix.Close()
	}
	return node.CheckResume(ctx, applied)
}

// natsFix is the one thing to do about a NATS failure, by its cause.
func natsFix(err error, c natsConfig) string {
	var api *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked):
		return "check BRIEFBOT_NATS_CREDS: NATS refuses these credentials"
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.Is(err, nats.ErrNoResponders): // nobody answers the JetStream API
		return "enable JetStream on the NATS servers (nats-server -js, or a jetstream {} block in their configuration)"
	case errors.As(err, &api) && (api.ErrorCode == jsReplicasNotSupported || api.ErrorCode == jsInsufficientResources):
		return fmt.Sprintf("BRIEFBOT_NATS_REPLICAS is %d: set it to 1 for a single NATS server, or run a cluster of at least %d JetStream nodes", c.replicas, c.replicas)
	case errors.Is(err, nats.ErrNoServers), errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "check BRIEFBOT_NATS_URL, and that nats-server runs there with JetStream (nats-server -js) and this host can reach it"
	}
	return "look at the NATS servers' logs (nats-server), or run `nats stream info " + replica.StreamName + "` there"
}

// JetStream API error codes natsFix explains (nats-server's
// server/errors.json): a stream asked for more replicas than the servers
// can hold.
const (
	jsInsufficientResources = 10023
	jsReplicasNotSupported  = 10074
)

// discordChecks checks the token, the host clock against Discord's and the
// briefing channels, with the session serve would use.
func discordChecks(ctx context.Context, cfg bot.ServeConfig) []check {
	s, err := bot.NewSession(cfg.Token, cfg.APIBase)
	if err != nil {
		return []check{failed("token", err.Error(), "")}
	}
	probe := &dateProbe{next: s.Client.Transport}
	s.Client.Transport = probe
	token, me := tokenCheck(ctx, s, cfg.AppID)
	checks := []check{token, probe.check()}
	switch {
	case cfg.SummaryChannel == "":
		checks = append(checks, skipped("channels", "no briefing channel configured (BRIEFBOT_SUMMARY_CHANNEL)"))
	case me == nil:
		checks = append(checks, skipped("channel "+cfg.SummaryChannel, "not checked without a valid token"))
	default:
		checks = append(checks, channelCheck(ctx, s, cfg.SummaryChannel, me.ID))
	}
	return checks
}

const tokenFix = "reset the token (Developer Portal → Bot → Reset Token) and set DISCORD_TOKEN to it"

// tokenCheck asks Discord who the token is and which application it
// belongs to; it returns the bot user when the token is valid.
func tokenCheck(ctx context.Context, s *discordgo.Session, appID string) (check, *discordgo.User) {
	const name = "token"
	me, err := s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		if discordStatus(err) == http.StatusUnauthorized {
			return failed(name, "Discord refuses it (401 Unauthorized)", tokenFix), nil
		}
		return failed(name, "cannot ask Discord: "+describeDiscordError(err), "check the network, or DISCORD_API_BASE if set"), nil
	}
	bot := fmt.Sprintf("bot %s (id %s)", userTag(me), me.ID)
	var app discordgo.Application
	body, err := s.Request(http.MethodGet, discordgo.EndpointOAuth2Application("@me"), nil, discordgo.WithContext(ctx))
	if err == nil {
		err = json.Unmarshal(body, &app)
	}
	if err != nil {
		return failed(name, bot+", but its application cannot be read: "+describeDiscordError(err), ""), me
	}
	if app.ID != appID {
		return failed(name, fmt.Sprintf("%s belongs to application %s, not to DISCORD_APP_ID %s", bot, app.ID, appID),
			fmt.Sprintf("set DISCORD_TOKEN to the bot token of application %s, or DISCORD_APP_ID to %s", appID, app.ID)), me
	}
	return passed(name, fmt.Sprintf("%s for application %s", bot, app.ID)), me
}

func userTag(u *discordgo.User) string {
	if u.Discriminator == "" || u.Discriminator == "0" {
		return u.Username
	}
	return u.Username + "#" + u.Discriminator
}

// Discord's JSON error codes doctor explains.
const (
	codeUnknownChannel = 10003
	codeMissingAccess  = 50001
)

// channelCheck computes the bot's permissions in a briefing channel from
// the channel, its server's roles and the bot's member, and names the
// missing ones.
func channelCheck(ctx context.Context, s *discordgo.Session, channelID, botID string) check {
	name := "channel " + channelID
	ch, err := s.Channel(channelID, discordgo.WithContext(ctx))
	switch {
	case discordCode(err) == codeMissingAccess:
		return failed(name, "missing View Channel: Discord answers Missing Access (or the bot is not in that server)",
			"grant View Channel to the bot's role in that channel's permissions, or invite the bot to the server")
	case discordCode(err) == codeUnknownChannel:
		return failed(name, "Discord knows no such channel", "check BRIEFBOT_SUMMARY_CHANNEL (right-click the channel → Copy Channel ID)")
	case err != nil:
		return failed(name, "cannot read the channel: "+describeDiscordError(err), "")
	case ch.GuildID == "":
		return failed(name, "not a server channel", "set BRIEFBOT_SUMMARY_CHANNEL to a text channel of a server")
	}
	roles, err := s.GuildRoles(ch.GuildID, discordgo.WithContext(ctx))
	if err != nil {
		return failed(name, "cannot read the server's roles: "+describeDiscordError(err), "")
	}
	member, err := s.GuildMember(ch.GuildID, botID, discordgo.WithContext(ctx))
	if err != nil {
		return failed(name, "cannot read the bot's member in the server: "+describeDiscordError(err), "")
	}
	perms := bot.ChannelPermissions(ch, roles, member)
	if missing := bot.MissingPermissions(perms, bot.BriefingChannelNeeds); len(missing) > 0 {
		return failed(name, "missing "+strings.Join(missing, ", "),
			"grant them to the bot's role in that channel's permissions (Edit Channel → Permissions)")
	}
	return passed(name, fmt.Sprintf("#%s (BRIEFBOT_SUMMARY_CHANNEL): the bot can see it, post embeds and read its history", ch.Name))
}

func discordStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

func discordCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// describeDiscordError is an error of Discord's as "403 Missing Access
// (50001)", other errors as they are.
func describeDiscordError(err error) string {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return err.Error()
	}
	if re.Message == nil || re.Message.Message == "" {
		return re.Response.Status
	}
	return fmt.Sprintf("%d %s (%d)", re.Response.StatusCode, re.Message.Message, re.Message.Code)
}

// dateProbe remembers the offset of Discord's clock from the host's,
// measured on the first answer with a Date header. Date has whole seconds,
// so the offset is taken from the middle of the second it names to the
// middle of the request: good to about a second.
type dateProbe struct {
	next http.RoundTripper

	mu       sync.Mutex
	measured bool
	offset   time.Duration
}

func (p *dateProbe) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	res, err := p.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if date, perr := http.ParseTime(res.Header.Get("Date")); perr == nil {
		local := sent.Add(time.Since(sent) / 2)
		p.mu.Lock()
		if !p.measured {
			p.measured, p.offset = true, date.Add(500*time.Millisecond).Sub(local)
		}
		p.mu.Unlock()
	}
	return res, err
}

// check says how far the host clock is from Discord's.
func (p *dateProbe) check() check {
	const name = "clock"
	p.mu.Lock()
	measured, offset := p.measured, p.offset
	p.mu.Unlock()
	if !measured {
		return skipped(name, "no answer from Discord with a Date header to compare with")
	}
	// offset is Discord's clock minus ours: positive, the host is behind.
	side := "behind"
	if offset < 0 {
		side = "ahead of"
	}
	detail := fmt.Sprintf("the host clock is %s %s Discord's (Date header)", offset.Abs().Round(time.Second), side)
	const fix = "synchronise the host clock (NTP, e.g. timedatectl set-ntp true)"
	switch abs := offset.Abs(); {
	case abs > clockFailAt:
		return failed(name, detail+"; interactions would be answered after Discord's deadlines", fix)
	case abs > clockWarnAt:
		return warned(name, detail, fix)
	}
	return passed(name, fmt.Sprintf("the host clock is within %s of Discord's", clockWarnAt))
}

// indexCheck opens the index read-only, as serve's neighbour, and counts
// it; when serve holds it, it asks serve through its socket instead.
func indexCheck(ctx context.Context, a *app, cfg serveConfig) check {
	const name = "index"
	dir := cfg.indexDir
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if len(cfg.corpus) > 0 {
			return warned(name, dir+" does not exist yet", "serve creates it and ingests BRIEFBOT_CORPUS when it starts")
		}
		return failed(name, "no index at "+dir, "ingest your articles: briefbot ingest PATH… (or set BRIEFBOT_CORPUS for serve)")
	}
	ix, err := index.Open(dir, index.Options{ReadOnly: true})
	switch {
	case errors.Is(err, index.ErrLocked):
		return lockedIndexCheck(ctx, a, dir, err)
	case errors.Is(err, index.ErrDamaged):
		return failed(name, err.Error(), "rebuild it: briefbot ingest --rebuild PATH…")
	case err != nil:
		return failed(name, err.Error(), "")
	}
	defer ix.Close()
	st, err := ix.Totals(ctx) // every space: the operator's view
	if err != nil {
		return failed(name, fmt.Sprintf("%s opens, but cannot be counted: %v", dir, err), "")
	}
	version := fmt.Sprintf("mapping version %d", ix.Version())
	if ix.Version() != index.MappingVersion {
		version += fmt.Sprintf(" (serve or the next ingest upgrades it to %d in place)", index.MappingVersion)
	}
	detail := fmt.Sprintf("%s: %s, %s, %s", dir, version,
		textrules.Plural(st.Articles, "article", "articles"), textrules.Plural(st.Paragraphs, "paragraph", "paragraphs"))
	if st.Articles == 0 {
		return warned(name, detail, "ingest your articles: briefbot ingest PATH… (or set BRIEFBOT_CORPUS for serve)")
	}
	return passed(name, detail)
}

var lockPID = regexp.MustCompile(`pid [0-9]+`)

// lockedIndexCheck is the index check while another process holds the
// index: a running serve answers on its socket, which is checked instead.
func lockedIndexCheck(ctx context.Context, a *app, dir string, lockErr error) check {
	const name = "index"
	holder := "a running serve"
	if pid := lockPID.FindString(lockErr.Error()); pid != "" {
		holder += " (" + pid + ")"
	}
	c := a.dialServer(ctx, dir)
	if c == nil {
		return failed(name, fmt.Sprintf("%s: %v, and no serve answers on its socket", dir, lockErr),
			"if an ingest is running, run doctor again when it is done; else stop the process that holds the index")
	}
	defer c.Close()
	days, err := c.Days(ctx, briefbot.Scope{}, time.UTC, 1)
	if err != nil {
		return failed(name, fmt.Sprintf("%s is held by %s, which does not answer on its socket: %v", dir, holder, err), "look at serve's log, or restart it")
	}
	detail := fmt.Sprintf("%s is held by %s, which answers on its socket", dir, holder)
	if len(days) > 0 {
		detail += "; its newest articles are of " + days[0].Format(time.DateOnly)
	}
	return passed(name, detail+" (not opened here: counts and mapping are serve's to check)")
}
