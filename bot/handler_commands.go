package bot

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// Page sizes. An /ask page shows 3 passages (the index's default K) and at
// most askMaxPages pages, because Ask has no offset: page n asks for n×3+1
// passages and shows the 3 after the first (n-1)×3.
const (
	askPageSize    = 3
	askMaxPages    = 5
	searchPageSize = 5
)

const engineTrouble = "Sorry, I couldn't search the briefings just now. Please try again in a moment."

func (h *Handler) command(ctx context.Context, i *discordgo.Interaction, start time.Time, out *outcome) *discordgo.InteractionResponse {
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		out.kind = "invalid"
		return ephemeral("That command arrived without its data; please try again.")
	}
	out.command = data.Name
	if isAdminCommand(data.Name) {
		if refusal := h.adminRefusal(i, data.Name); refusal != "" {
			out.kind = "forbidden"
			return ephemeral(refusal)
		}
	}
	var resp *discordgo.InteractionResponse
	var err error
	switch data.Name {
	case cmdAsk:
		resp, err = h.ask(ctx, i, data.Options, start, out)
	case cmdSearch:
		resp, err = h.search(ctx, i, data.Options, start, out)
	case cmdSummary:
		resp, err = h.summary(ctx, i, data.Options, start, out)
	case cmdSources:
		resp, err = h.sources(ctx, i, out)
	case cmdIngest:
		resp, err = h.ingest(ctx, i, data.Options, out)
	case cmdReindex:
		resp, err = h.reindex(ctx, out)
	case cmdStats:
		resp, err = h.statsCommand(ctx, i, out)
	case cmdBriefing:
		resp, err = h.briefing(ctx, i, data.Options, out)
	case cmdFeeds:
		resp, err = h.feedsCmd(ctx, i, data.Options, out)
	case cmdHelp:
		resp = h.help(out)
	case cmdAskMessage:
		resp, err = h.askMessage(ctx, i, data, start, out)
	default:
		out.kind = "invalid"
		return ephemeral("I don't know that command. It may have been removed; try `/ask`.")
	}
	return out.settle(resp, err, failureMessage(data.Name))
}

// failureMessage is what a user sees when a command fails on the bot's side.
// The error itself goes to the log only: it may name files or hosts.
func failureMessage(command string) string {
	switch command {
	case cmdIngest:
		return "Sorry, adding those articles failed. The bot's log has the details."
	case cmdReindex:
		return "Sorry, reindexing failed. The bot's log has the details."
	case cmdStats:
		return "Sorry, I couldn't read the index statistics just now."
	}
	return engineTrouble
}

// adminRefusal says why the invoker may not run an admin command, or "" when
// they may. Who may run /ingest and /stats in a server is Discord's to say:
// default_member_permissions is Manage Server, and the server's admins may
// grant the command to other roles or members in Server Settings →
// Integrations, so it is not checked again here. They act on one server, so
// they work only inside one. /reindex re-reads the shared corpus every
// server sees, so it is for the bot's operators only, whatever their
// permissions in the server it is used in.
func (h *Handler) adminRefusal(i *discordgo.Interaction, command string) string {
	if i.GuildID == "" || i.Member == nil {
		return "That command works only inside a server."
	}
	if command == cmdReindex && !h.operators.is(userID(i)) {
		return "Sorry, `/reindex` re-reads the corpus every server shares, so it is for the bot's operators only. " +
			"To add articles to this server, use `/ingest`."
	}
	return ""
}

// allowQuestion applies the per-user rate limit; it returns a polite refusal
// when the user is over it.
func (h *Handler) allowQuestion(i *discordgo.Interaction, out *outcome) *discordgo.InteractionResponse {
	ok, retry := h.limit.allow(userID(i), h.now())
	if ok {
		return nil
	}
	out.kind = "rate_limited"
	secs := int(retry.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	return ephemeral(fmt.Sprintf("You're asking faster than I can read — please wait %s and try again.", textrules.Plural(secs, "second", "seconds")))
}

func (h *Handler) ask(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, start time.Time, out *outcome) (*discordgo.InteractionResponse, error) {
	q, err := queryOption(opts, "question", "a question")
	if err != nil {
		return nil, err
	}
	source, err := filterOption(opts, "source")
	if err != nil {
		return nil, err
	}
	since, err := h.dateOption(opts, "since", true)
	if err != nil {
		return nil, err
	}
	if refusal := h.allowQuestion(i, out); refusal != nil {
		return refusal, nil
	}
	st := pageState{Cmd: "a", Page: 1, Since: dayString(since), Source: source, Query: q}
	resp, err := h.runAsk(ctx, scope(i), st, start, out, optBool(opts, "private"), false)
	if err == nil {
		h.stats.record(i.GuildID, h.now().Sub(start))
	}
	return resp, err
}

// runAsk asks the engine for page st.Page and renders it as a new message
// (isUpdate false) or as the new state of the message a button sits on.
func (h *Handler) runAsk(ctx context.Context, sc briefbot.Scope, st pageState, start time.Time, out *outcome, private, isUpdate bool) (*discordgo.InteractionResponse, error) {
	// One passage more than the pages so far, to know whether ▶ leads
	// anywhere: the index drops weak passages, so a full page does not
	// promise another.
	k := st.Page*askPageSize + 1
	ans, err := h.eng.Ask(ctx, st.Query, briefbot.AskOptions{K: k, Since: h.dayFromString(st.Since), Source: st.Source, Scope: sc})
	if err != nil {
		return nil, engineErr("ask", err)
	}
	from := (st.Page - 1) * askPageSize
	if from >= len(ans.Passages) {
		out.kind = "no_match"
		if st.Page > 1 {
			return ephemeral("There are no more passages for that question."), nil
		}
		return ephemeral(noPassage(ans, st)), nil
	}
	shown := ans.Passages[from:min(from+askPageSize, len(ans.Passages))]
	out.results = len(shown)
	hasNext := len(ans.Passages) >= k && st.Page < askMaxPages
	content, embeds, comps := renderAsk(st, shown, from, pageStories(ans, from, len(shown)), ans.Articles, ans.Respelled, hasNext, h.now().Sub(start))
	if isUpdate {
		return update(content, embeds, comps), nil
	}
	return message(content, embeds, comps, private), nil
}

// noPassage is the friendly no-match reply of /ask, with what to try instead.
func noPassage(ans briefbot.Answer, st pageState) string {
	tips := []string{"try other words or a shorter question", "try `/search` with a few keywords"}
	if st.Source != "" || st.Since != "" {
		tips = append([]string{"drop the source or since filter"}, tips...)
	}
	return noMatchText(askNoMatch(ans), ans.Respelled, "You could "+strings.Join(tips, ", or "))
}

// engineErr names the command an engine error comes from, unless the
// error already does: the index's own errors start "ask: ", "search: ", …
func engineErr(op string, err error) error {
	if strings.HasPrefix(err.Error(), op+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// noMatchText is a no-match reply: the reason as a sentence, the words
// looked for by their nearest spelling, then what to try.
func noMatchText(m noMatch, respelled []string, tip string) string {
	msg := upperFirst(strings.TrimSuffix(m.reason(), ".")) + "."
	if note := respelledNote(respelled); note != "" {
		msg += "\n" + note
	}
	return msg + "\n" + tip + "."
}

func (h *Handler) search(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, start time.Time, out *outcome) (*discordgo.InteractionResponse, error) {
	q, err := queryOption(opts, "keywords", "some keywords")
	if err != nil {
		return nil, err
	}
	source, err := filterOption(opts, "source")
	if err != nil {
		return nil, err
	}
	author, err := filterOption(opts, "author")
	if err != nil {
		return nil, err
	}
	since, err := h.dateOption(opts, "since", true)
	if err != nil {
		return nil, err
	}
	until, err := h.dateOption(opts, "until", false)
	if err != nil {
		return nil, err
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		return nil, invalidf("The until date (%s) is before the since date (%s).", dayString(until), dayString(since))
	}
	if refusal := h.allowQuestion(i, out); refusal != nil {
		return refusal, nil
	}
	st := pageState{Cmd: "s", Page: 1, Since: dayString(since), Until: dayString(until), Source: source, Author: author, Query: q}
	return h.runSearch(ctx, scope(i), st, start, out, optBool(opts, "private"), false)
}

func (h *Handler) runSearch(ctx context.Context, sc briefbot.Scope, st pageState, start time.Time, out *outcome, private, isUpdate bool) (*discordgo.InteractionResponse, error) {
	f := briefbot.SearchFilters{Source: st.Source, Author: st.Author, Since: h.dayFromString(st.Since), Until: h.dayFromString(st.Until)}
	hasFilter := f != (briefbot.SearchFilters{})
	f.Scope = sc
	page, err := h.eng.Search(ctx, st.Query, f, st.Page, searchPageSize)
	if err != nil {
		return nil, engineErr("search", err)
	}
	if len(page.Passages) == 0 {
		out.kind = "no_match"
		if st.Page > 1 {
			return ephemeral("There are no more results for that search."), nil
		}
		tip := "Try fewer or different keywords"
		if hasFilter {
			tip += ", or drop a filter"
		}
		return ephemeral(noMatchText(searchNoMatch(page, st.Query), page.Respelled, tip)), nil
	}
	out.results = len(page.Passages)
	content, embeds, comps := renderSearch(st, page, h.now().Sub(start))
	if isUpdate {
		return update(content, embeds, comps), nil
	}
	return message(content, embeds, comps, private), nil
}

func (h *Handler) summary(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, start time.Time, out *outcome) (*discordgo.InteractionResponse, error) {
	day, err := h.dateOption(opts, "date", false)
	if err != nil {
		return nil, err
	}
	if day.IsZero() {
		day = midnight(h.now().In(h.loc))
	}
	if refusal := h.allowQuestion(i, out); refusal != nil {
		return refusal, nil
	}
	sum, err := h.eng.Summary(ctx, briefbot.SummaryRequest{Day: day, Location: h.loc, Scope: scope(i)})
	if err != nil {
		return nil, engineErr("summary", err)
	}
	if len(sum.Points) == 0 {
		out.kind = "no_match"
		return ephemeral(noMatchText(summaryNoMatch(sum, day), nil, "Pick a day that has articles: the `date` option suggests them as you type")), nil
	}
	out.results = len(sum.Points)
	content, embeds := renderSummary("Briefing for "+longDay(day), sum, h.now().Sub(start))
	return message(content, embeds, nil, optBool(opts, "private")), nil
}

// longDay is "Friday 31 January 2025".
func longDay(t time.Time) string { return t.Format("Monday 2 January 2006") }

func (h *Handler) sources(ctx context.Context, i *discordgo.Interaction, out *outcome) (*discordgo.InteractionResponse, error) {
	srcs, err := h.eng.Sources(ctx, scope(i))
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	out.results = len(srcs)
	if len(srcs) == 0 {
		out.kind = "no_match"
		return ephemeral("The index has no articles yet."), nil
	}
	return message("", []*discordgo.MessageEmbed{renderSources(srcs)}, nil, false), nil
}

// ingest adds the articles at an address to the space of the server the
// command is used in (adminRefusal has made sure there is one): never to the
// shared space, which only operators change.
func (h *Handler) ingest(ctx context.Context, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption, out *outcome) (*discordgo.InteractionResponse, error) {
	raw := strings.TrimSpace(optString(opts, "url"))
	if raw == "" || utf8.RuneCountInString(raw) > 2000 {
		return nil, invalidf("Please give the address of an article page or an RSS/Atom feed (http or https).")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidf("%s is not an http(s) address.", quoteInput(raw))
	}
	if h.fetcher == nil || h.admin == nil {
		out.kind = "invalid"
		return ephemeral("Adding articles by address is not set up on this bot."), nil
	}
	arts, err := h.fetcher.Fetch(ctx, u.String())
	if err != nil {
		// The admin gave the address, so the reason is theirs to see.
		out.kind, out.err = "error", err
		return ephemeral("I couldn't read that address: " + truncate(escapeMarkdown(cleanText(err.Error(), false)), 300)), nil
	}
	if len(arts) == 0 {
		out.kind = "no_match"
		return ephemeral("I found no article to add at that address."), nil
	}
	report, err := h.admin.AddArticles(ctx, i.GuildID, arts)
	if err != nil {
		return nil, fmt.Errorf("add articles: %w", err)
	}
	out.results = len(arts)
	var b strings.Builder
	fmt.Fprintf(&b, "Fetched %s from <%s>: %s", textrules.Plural(len(arts), "article", "articles"), safeURL(u.String()), escapeMarkdown(oneLine(cleanText(report, false))))
	for n, a := range arts {
		if n == 10 {
			fmt.Fprintf(&b, "\n…and %d more", len(arts)-10)
			break
		}
		b.WriteString("\n• " + escapeMarkdown(citation(a.Ref(), 0)))
	}
	return ephemeral(b.String()), nil
}

func (h *Handler) reindex(ctx context.Context, out *outcome) (*discordgo.InteractionResponse, error) {
	if h.admin == nil {
		out.kind = "invalid"
		return ephemeral("Reindexing is not set up on this bot."), nil
	}
	report, err := h.admin.Reindex(ctx)
	if err != nil {
		return nil, fmt.Errorf("reindex: %w", err)
	}
	return ephemeral("Reindex finished: " + escapeMarkdown(oneLine(cleanText(report, false)))), nil
}

// statsCommand shows the figures of the server it is used in: what its scope
// sees (the shared space and its own), and the questions and votes asked
// there. Nothing of another server's articles or activity goes in.
func (h *Handler) statsCommand(ctx context.Context, i *discordgo.Interaction, out *outcome) (*discordgo.InteractionResponse, error) {
	sc := scope(i)
	st, err := h.eng.Stats(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	fig := statsFigures{Stats: st, Server: sc.Server != "", Uptime: h.now().Sub(h.started),
		Replica: h.replica, FeedbackShared: h.feedback.share != nil}
	var ferr error
	fig.Up, fig.Down, ferr = h.feedback.tally(ctx, sc.Server)
	if ferr != nil {
		h.log.Warn("reading the feedback counts", "error", ferr)
	}
	fig.FeedbackErr = ferr != nil
	fig.Answered, fig.P50, fig.P99 = h.stats.snapshot(sc.Server)
	e := renderStats(fig)
	return message("", []*discordgo.MessageEmbed{e}, nil, true), nil
}
