package bot

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/textrules"
)

// Labels that start the first line of an /ask or /search message. The
// handler reads the escaped query back from that line when a paging button's
// custom_id could only carry part of it (see customid.go).
const (
	askLabel    = "**Q:** "
	searchLabel = "**Search:** "
)

// budgetPerEmbed shares what is left of the 6,000-unit total, after the fixed
// parts of n embeds (titles, footer), among their descriptions.
func budgetPerEmbed(n, fixed int) int {
	if n <= 0 {
		return maxEmbedDesc
	}
	b := (maxEmbedsTotal - fixed - 16*n) / n
	return max(0, min(maxEmbedDesc, b))
}

// queryHeader is the first line (and filter line) of an /ask or /search
// message: the label, the escaped query on one line, and the filters in
// Discord's small "-#" text.
func queryHeader(label string, st pageState) string {
	var b strings.Builder
	b.WriteString(label)
	b.WriteString(escapeMarkdown(st.Query))
	var f []string
	if st.Source != "" {
		f = append(f, "source: "+escapeMarkdown(st.Source))
	}
	if st.Author != "" {
		f = append(f, "author: "+escapeMarkdown(st.Author))
	}
	if st.Since != "" {
		f = append(f, "since: "+st.Since)
	}
	if st.Until != "" {
		f = append(f, "until: "+st.Until)
	}
	if len(f) > 0 {
		b.WriteString("\n-# " + strings.Join(f, " · "))
	}
	return b.String()
}

// queryFromMessage reads the query back from the first line of a message the
// bot wrote with queryHeader. ok is false when the line is not there.
func queryFromMessage(content string) (string, bool) {
	line, _, _ := strings.Cut(content, "\n")
	for _, label := range []string{askLabel, searchLabel} {
		if rest, ok := strings.CutPrefix(line, label); ok {
			return unescapeMarkdown(rest), true
		}
	}
	return "", false
}

// passageEmbeds renders one embed per passage: the citation as the title,
// linking to the article (with a distinct "#¶n" URL per embed, since Discord
// merges embeds that share one), and the quote with its marked part in bold,
// then the other outlets that carry it ("also in: …", alsoInLine). footer
// goes on the last embed.
func passageEmbeds(ps []briefbot.Passage, quote func(briefbot.Passage) string, footer string) []*discordgo.MessageEmbed {
	urls := urlSet{}
	embeds := make([]*discordgo.MessageEmbed, 0, len(ps))
	fixed := textLen(footer)
	for _, p := range ps {
		e := &discordgo.MessageEmbed{
			Title: citationTitle(p.Article, p.Paragraph),
			URL:   urls.passageURL(p.Article.URL, p.Paragraph),
			Color: embedColor,
		}
		fixed += textLen(e.Title)
		embeds = append(embeds, e)
	}
	budget := budgetPerEmbed(len(ps), fixed)
	for k, p := range ps {
		// The outlets get at most a third of the embed: the quote is
		// what answers.
		also := alsoInLine(p.AlsoIn, budget/3)
		room := budget
		if also != "" {
			room -= textLen(also) + 1
		}
		embeds[k].Description = renderMarked(quote(p), room)
		if also != "" {
			embeds[k].Description += "\n" + also
		}
	}
	if len(embeds) > 0 && footer != "" {
		embeds[len(embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return embeds
}

// alsoInLine names the other outlets that carry a passage, each linked to
// its copy when its URL is safe: "also in: [Outlet B](url), Outlet C", and
// "and N more" for those that do not fit in max units. It is "" when there
// are none, or when not even one outlet fits. The names are corpus text:
// cleaned and escaped, so they can neither format nor ping.
func alsoInLine(copies []briefbot.Copy, max int) string {
	const label = "-# also in: "
	var b strings.Builder
	for k, c := range copies {
		name := truncate(escapeMarkdown(outletName(c.Article)), 60)
		entry := link(name, c.Article.URL)
		sep := ""
		if k > 0 {
			sep = ", "
		}
		more := ""
		if rest := len(copies) - k - 1; rest > 0 {
			more = fmt.Sprintf(" and %d more", rest)
		}
		fits := func(e string) bool {
			return textLen(label)+textLen(b.String())+textLen(sep+e)+textLen(more) <= max
		}
		if !fits(entry) {
			entry = name // the link's URL may be what does not fit
		}
		if !fits(entry) {
			if k == 0 {
				return ""
			}
			fmt.Fprintf(&b, " and %d more", len(copies)-k)
			break
		}
		b.WriteString(sep + entry)
	}
	if b.Len() == 0 {
		return ""
	}
	return label + b.String()
}

// outletName is how a copy's outlet is named: its source, else its link's
// host, else its title or id.
func outletName(ref briefbot.ArticleRef) string {
	if s := oneLine(cleanText(ref.Source, false)); s != "" {
		return s
	}
	if u := safeURL(ref.URL); u != "" {
		if pu, err := url.Parse(u); err == nil && pu.Host != "" {
			return strings.TrimPrefix(pu.Hostname(), "www.")
		}
	}
	if t := oneLine(cleanText(ref.Title, false)); t != "" {
		return t
	}
	return oneLine(cleanText(ref.ID, false))
}

// pageStories is the number of stories among the passages a page shows,
// when it is known: the answer counts its stories (Answer.Stories) over
// all its passages, so only a page that shows them all can say how many
// stories it holds; 0 otherwise.
func pageStories(ans briefbot.Answer, from, shown int) int {
	if from == 0 && shown == len(ans.Passages) {
		return ans.Stories
	}
	return 0
}

// askFooter counts the passages shown (of stories, when the page knows how
// many stories they are and that is fewer: one story quoted twice counts
// once) and the articles searched.
func askFooter(from, shown, stories, articles int, elapsed time.Duration) string {
	footer := fmt.Sprintf("Passages %d–%d", from+1, from+shown)
	if shown == 1 {
		footer = fmt.Sprintf("Passage %d", from+1)
	}
	if from == 0 {
		footer = textrules.Plural(shown, "passage", "passages")
	}
	if stories > 0 && stories < shown {
		footer += " (" + textrules.Plural(stories, "story", "stories") + ")"
	}
	if articles > 0 {
		footer += " from " + textrules.Plural(articles, "article", "articles") + " searched"
	}
	return footer + " · " + formatElapsed(elapsed)
}

func renderAsk(st pageState, shown []briefbot.Passage, from, stories, articles int, respelled []string, hasNext bool, elapsed time.Duration) (string, []*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	footer := askFooter(from, len(shown), stories, articles, elapsed)
	embeds := passageEmbeds(shown, func(p briefbot.Passage) string { return markAnswer(p.Text, p.Answer) }, footer)

	var row []discordgo.MessageComponent
	row = append(row, pagingButtons(st, hasNext)...)
	row = append(row,
		discordgo.Button{Label: "👍", Style: discordgo.SecondaryButton, CustomID: idFeedback + "|u"},
		discordgo.Button{Label: "👎", Style: discordgo.SecondaryButton, CustomID: idFeedback + "|d"},
	)
	comps := []discordgo.MessageComponent{discordgo.ActionsRow{Components: row}}
	if ctxRow := contextButtons(shown, from); len(ctxRow) > 0 {
		comps = append(comps, discordgo.ActionsRow{Components: ctxRow})
	}
	return withRespelledNote(queryHeader(askLabel, st), respelled), embeds, comps
}

func renderSearch(st pageState, page briefbot.SearchPage, elapsed time.Duration) (string, []*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	size := page.PageSize
	if size <= 0 {
		size = searchPageSize
	}
	from := (st.Page-1)*size + 1
	to := from + len(page.Passages) - 1
	pages := (page.Total + size - 1) / size
	total := max(page.Total, to)
	footer := fmt.Sprintf("Results %d–%d of %s · page %d of %d · %s", from, to, textrules.Thousands(total), st.Page, max(pages, st.Page), formatElapsed(elapsed))
	embeds := passageEmbeds(page.Passages, func(p briefbot.Passage) string {
		if len(p.Highlights) == 0 {
			return oneLine(p.Text)
		}
		hl := make([]string, len(p.Highlights))
		for k, s := range p.Highlights {
			hl[k] = oneLine(s)
		}
		return textrules.JoinFragments(hl)
	}, footer)
	hasNext := to < page.Total
	var comps []discordgo.MessageComponent
	if row := pagingButtons(st, hasNext); len(row) > 0 {
		comps = append(comps, discordgo.ActionsRow{Components: row})
	}
	if ctxRow := contextButtons(page.Passages, from-1); len(ctxRow) > 0 {
		comps = append(comps, discordgo.ActionsRow{Components: ctxRow})
	}
	return withRespelledNote(queryHeader(searchLabel, st), page.Respelled), embeds, comps
}

// withRespelledNote adds respelledNote to a reply's header as a subtext line.
func withRespelledNote(header string, words []string) string {
	if note := respelledNote(words); note != "" {
		return header + "\n-# " + note
	}
	return header
}

// respelledNote tells the user which of their words no paragraph holds and
// were looked for by their nearest spelling instead; "" for none.
func respelledNote(words []string) string {
	if len(words) == 0 {
		return ""
	}
	qs := make([]string, len(words))
	for i, w := range words {
		qs[i] = quoteInput(w)
	}
	if len(qs) == 1 {
		return "No paragraph has " + qs[0] + ": looked for its nearest spelling."
	}
	return "No paragraph has " + strings.Join(qs, " or ") + ": looked for their nearest spellings."
}

// pagingButtons are ◀ and ▶ for st, or none when there is only one page or
// the state cannot be carried in a custom_id.
func pagingButtons(st pageState, hasNext bool) []discordgo.MessageComponent {
	if st.Page <= 1 && !hasNext {
		return nil
	}
	prev, next := st, st
	prev.Page, next.Page = st.Page-1, st.Page+1
	prevID, ok1 := prev.encode()
	nextID, ok2 := next.encode()
	if !ok1 || !ok2 {
		return nil
	}
	return []discordgo.MessageComponent{
		discordgo.Button{Label: "◀", Style: discordgo.SecondaryButton, CustomID: prevID, Disabled: st.Page <= 1},
		discordgo.Button{Label: "▶", Style: discordgo.SecondaryButton, CustomID: nextID, Disabled: !hasNext},
	}
}

// contextButtons offer the paragraphs around each passage (one button per
// passage, at most five, in the order of the embeds, numbered from offset+1
// like the footer counts them).
func contextButtons(ps []briefbot.Passage, offset int) []discordgo.MessageComponent {
	var row []discordgo.MessageComponent
	seen := map[string]bool{}
	for k, p := range ps {
		id := p.ID
		if id == "" {
			id = briefbot.ParagraphID(p.Article.ID, p.Paragraph)
		}
		cid := contextID(id, p.Article.Space)
		if cid == "" || seen[cid] || len(row) == maxRowComponents {
			continue
		}
		seen[cid] = true
		label := fmt.Sprintf("Context %d · ¶%d", offset+k+1, p.Paragraph)
		row = append(row, discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: cid})
	}
	return row
}

// renderSummary renders a summary: one embed per story, its title as the
// heading (with "(3 outlets)" when several outlets carried the story), its
// points quoted beneath with their citations linked. Points
// whose story is unknown are gathered under "More". At most ten stories get
// an embed; the rest are counted in the footer. A negative elapsed leaves the
// time out of the footer (the daily post).
func renderSummary(heading string, sum briefbot.Summary, elapsed time.Duration) (string, []*discordgo.MessageEmbed) {
	type group struct {
		title   string
		outlets int
		points  []briefbot.Point
	}
	var groups []*group
	byStory := map[int]*group{}
	for _, p := range sum.Points {
		key := p.Story
		if key < 0 || key >= len(sum.Stories) {
			key = -1
		}
		g := byStory[key]
		if g == nil {
			title, outlets := "More", 0
			if key >= 0 {
				title, outlets = sum.Stories[key].Title, sum.Stories[key].Outlets
			}
			if strings.TrimSpace(title) == "" {
				title = p.Article.Title
			}
			g = &group{title: title, outlets: outlets}
			byStory[key] = g
			groups = append(groups, g)
		}
		g.points = append(g.points, p)
	}
	dropped := 0
	if len(groups) > maxEmbeds {
		for _, g := range groups[maxEmbeds:] {
			dropped += len(g.points)
		}
		groups = groups[:maxEmbeds]
	}
	footer := fmt.Sprintf("%s from %s", textrules.Plural(len(sum.Points), "point", "points"), textrules.Plural(max(sum.Articles, 1), "article", "articles"))
	if dropped > 0 {
		footer += fmt.Sprintf(" (%d not shown)", dropped)
	}
	if elapsed >= 0 {
		footer += " · " + formatElapsed(elapsed)
	}

	embeds := make([]*discordgo.MessageEmbed, len(groups))
	fixed := textLen(footer)
	for k, g := range groups {
		// The outlet count is kept whole: a long headline is cut instead.
		carried := ""
		if g.outlets >= 2 {
			carried = fmt.Sprintf(" (%d outlets)", g.outlets)
		}
		title := truncate(escapeMarkdown(oneLine(cleanText(g.title, false))), maxEmbedTitle-textLen(carried)) + carried
		embeds[k] = &discordgo.MessageEmbed{Title: title, Color: embedColor}
		fixed += textLen(embeds[k].Title)
	}
	budget := budgetPerEmbed(len(groups), fixed)
	for k, g := range groups {
		embeds[k].Description = pointsText(g.points, g.title, budget)
	}
	if len(embeds) > 0 {
		embeds[len(embeds)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return "**" + escapeMarkdown(heading) + "**", embeds
}

// pointsText lists points as quotes with their linked citation, within budget
// units; points that do not fit are counted in a last line. The citation
// leaves out the article title when it is the story's heading already.
func pointsText(points []briefbot.Point, heading string, budget int) string {
	var b strings.Builder
	for k, p := range points {
		ref := p.Article
		if strings.TrimSpace(ref.Title) == strings.TrimSpace(heading) && (ref.Author != "" || !ref.Published.IsZero() || p.Paragraph > 0) {
			ref.Title, ref.Source, ref.ID = "", "", ""
		}
		text := escapeMarkdown(citation(ref, p.Paragraph))
		cite := "— " + link(text, p.Article.URL)
		if textLen(cite) > budget/2 {
			cite = "— " + truncate(text, budget/2)
		}
		rest := len(points) - k - 1
		moreLine := ""
		if rest > 0 {
			moreLine = fmt.Sprintf("\n…and %d more", rest)
		}
		room := budget - textLen(b.String()) - textLen(cite) - textLen("> \n\n") - textLen(moreLine)
		if room < 40 {
			if k == 0 {
				return truncate("> "+escapeQuote(oneLine(cleanText(p.Text, false))), budget)
			}
			fmt.Fprintf(&b, "…and %d more", len(points)-k)
			break
		}
		if k > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("> " + truncate(escapeQuote(oneLine(cleanText(p.Text, false))), room) + "\n" + cite)
	}
	return b.String()
}

func renderSources(srcs []briefbot.SourceInfo) *discordgo.MessageEmbed {
	srcs = append([]briefbot.SourceInfo(nil), srcs...)
	sort.SliceStable(srcs, func(a, b int) bool {
		if srcs[a].Articles != srcs[b].Articles {
			return srcs[a].Articles > srcs[b].Articles
		}
		return srcs[a].Source < srcs[b].Source
	})
	total := 0
	for _, s := range srcs {
		total += s.Articles
	}
	var b strings.Builder
	for k, s := range srcs {
		name := escapeMarkdown(oneLine(cleanText(s.Source, false)))
		if name == "" {
			name = "(no source)"
		}
		line := "• **" + truncate(name, 100) + "** — " + textrules.Plural(s.Articles, "article", "articles")
		if !s.Latest.IsZero() {
			line += " · latest " + s.Latest.Format(time.DateOnly)
		}
		more := fmt.Sprintf("\n…and %d more", len(srcs)-k)
		if textLen(b.String())+textLen(line)+1+textLen(more) > maxEmbedDesc {
			b.WriteString(strings.TrimPrefix(more, ""))
			break
		}
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return &discordgo.MessageEmbed{
		Title:       "Indexed sources",
		Description: b.String(),
		Color:       embedColor,
		Footer:      &discordgo.MessageEmbedFooter{Text: textrules.Plural(len(srcs), "source", "sources") + " · " + textrules.Plural(total, "article", "articles")},
	}
}

// statsFigures are what /stats shows. For a server (Server true) the counts
// are of what that server sees, the shared space and its own, and of the
// questions and votes asked there; the index's size on disk is left out, as
// it grows with what other servers add.
type statsFigures struct {
	Stats       briefbot.Stats
	Server      bool
	Uptime      time.Duration
	Answered    int64
	P50, P99    time.Duration
	Up, Down    int
	FeedbackErr bool
	// Replica names this process among a deployment's replicas ("" = a
	// single instance); FeedbackShared says the votes are the deployment's.
	Replica        string
	FeedbackShared bool
}

func renderStats(f statsFigures) *discordgo.MessageEmbed {
	field := func(name, value string) *discordgo.MessageEmbedField {
		return &discordgo.MessageEmbedField{Name: name, Value: value, Inline: true}
	}
	latency := func(d time.Duration) string {
		if f.Answered == 0 {
			return "—"
		}
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	fb := fmt.Sprintf("👍 %d · 👎 %d", f.Up, f.Down)
	if f.FeedbackErr {
		fb += " (log unreadable)"
	}
	fields := []*discordgo.MessageEmbedField{
		field("Articles", textrules.Thousands(f.Stats.Articles)),
		field("Paragraphs", textrules.Thousands(f.Stats.Paragraphs)),
	}
	if !f.Server {
		fields = append(fields, field("Index size", humanBytes(f.Stats.Bytes)))
	}
	fields = append(fields,
		field("Uptime", humanDuration(f.Uptime)),
		field("Questions answered", strconv.FormatInt(f.Answered, 10)),
		field("Median answer time", latency(f.P50)),
		field("p99 answer time", latency(f.P99)),
		field("Feedback", fb),
	)
	e := &discordgo.MessageEmbed{Title: "briefbot statistics", Color: embedColor, Fields: fields}
	if f.Server {
		e.Description = "For this server: the shared articles and this server's own, " +
			"the questions answered here since the bot started, and the feedback given here."
	}
	if f.Replica != "" {
		if e.Description != "" {
			e.Description += "\n"
		}
		e.Description += replicaScope(f.Replica, f.FeedbackShared)
		e.Footer = &discordgo.MessageEmbedFooter{Text: "Answered by replica " + f.Replica}
	}
	return e
}

// replicaScope says, on a replica, which figures are the whole
// deployment's (every replica applies the same article log, and shares the
// votes) and which this replica's own (counted in its memory, since it
// started): the next /stats may come from another replica.
func replicaScope(name string, feedbackShared bool) string {
	name = "**" + escapeMarkdown(name) + "**"
	if feedbackShared {
		return "Articles and feedback: the whole deployment's. Uptime, questions answered and answer times: replica " +
			name + "'s only (each replica counts its own)."
	}
	return "Articles: the whole deployment's. Uptime, questions answered, answer times and feedback: replica " +
		name + "'s only (each replica counts its own)."
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int(d / time.Hour)
	d -= time.Duration(h) * time.Hour
	m := int(d / time.Minute)
	s := int((d - time.Duration(m)*time.Minute) / time.Second)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, h, m)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	default:
		return fmt.Sprintf("%dm %ds", m, s)
	}
}

// renderContext shows the paragraph before and after paragraph n of art (the
// neighbours that survived boilerplate removal, so ¶3 may be followed by ¶5),
// the cited one in bold, for the Context button.
func renderContext(art briefbot.Article, n int) *discordgo.MessageEmbed {
	texts := map[int][]string{}
	var order []int
	for _, p := range art.Paragraphs {
		if _, ok := texts[p.N]; !ok {
			order = append(order, p.N)
		}
		texts[p.N] = append(texts[p.N], oneLine(cleanText(p.Text, false)))
	}
	at := -1
	for k, pn := range order {
		if pn == n {
			at = k
		}
	}
	var b strings.Builder
	add := func(k, budget int, cited bool) {
		if k < 0 || k >= len(order) {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		pn := order[k]
		body := truncate(escapeQuote(strings.Join(texts[pn], " ")), budget)
		if cited {
			b.WriteString("**¶" + strconv.Itoa(pn) + "** " + body)
		} else {
			b.WriteString("-# ¶" + strconv.Itoa(pn) + "\n" + body)
		}
	}
	if at < 0 {
		b.WriteString("That paragraph is no longer in the index.")
	} else {
		add(at-1, 1000, false)
		add(at, 2000, true)
		add(at+1, 1000, false)
	}
	return &discordgo.MessageEmbed{
		Title:       citationTitle(art.Ref(), n),
		URL:         urlSet{}.passageURL(art.URL, n),
		Description: b.String(),
		Color:       embedColor,
	}
}
