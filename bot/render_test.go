package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/briefbot/briefbot"

	"github.com/bwmarrin/discordgo"
)

// Interactions built in code, for tests that vary one thing at a time (the
// recorded payloads in testdata cover the wire shape).

func strOpt(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: v}
}

func boolOpt(name string, v bool) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionBoolean, Value: v}
}

const memberPerms = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionUseSlashCommands

func guildCommand(user string, perms int64, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "1", AppID: "2", Type: discordgo.InteractionApplicationCommand, GuildID: "3", ChannelID: "4", Token: "secret-token",
		Member: &discordgo.Member{User: &discordgo.User{ID: user, Username: "u" + user}, Permissions: perms},
		Data:   discordgo.ApplicationCommandInteractionData{ID: "5", Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts},
	}
}

func dmCommand(user, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := guildCommand(user, 0, name, opts...)
	i.GuildID, i.Member = "", nil
	i.User = &discordgo.User{ID: user}
	return i
}

func buttonClick(user, customID string, msg *discordgo.Message) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "9", AppID: "2", Type: discordgo.InteractionMessageComponent, GuildID: "3", ChannelID: "4", Token: "secret-token",
		Member:  &discordgo.Member{User: &discordgo.User{ID: user}, Permissions: memberPerms},
		Data:    discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent},
		Message: msg,
	}
}

// hugeText mixes what makes limits hard: emoji (2 UTF-16 units), CJK,
// combining marks, markdown that doubles when escaped, and mentions.
func hugeText(runes int) string {
	unit := "台風🌀 e\u0301t\u00e9 **b** <@&1> @everyone |x| _y_ "
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < runes {
		b.WriteString(unit)
	}
	return string([]rune(b.String())[:runes])
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	inputs := []string{
		strings.Repeat("🌀", 3000),
		strings.Repeat("台", 5000),
		escapeMarkdown(hugeText(5000)),
		strings.Repeat("a\\", 3000),
		"**" + strings.Repeat("bold ", 1000) + "**",
	}
	for _, in := range inputs {
		for _, max := range []int{1, 2, 3, 10, 100, 255, 256, 1024, 2000, 4096} {
			got := truncate(in, max)
			if n := textLen(got); n > max {
				t.Errorf("truncate(%.20q…, %d) is %d long", in, max, n)
			}
			if !utf8.ValidString(got) {
				t.Errorf("truncate(%.20q…, %d) cut a rune: %q", in, max, got)
			}
			if got != "" && !strings.HasSuffix(got, ellipsis) {
				t.Errorf("truncate(%.20q…, %d) = %.40q… lacks the ellipsis", in, max, got)
			}
			body := strings.TrimSuffix(got, ellipsis)
			if trailing := len(body) - len(strings.TrimRight(body, "\\")); trailing%2 == 1 {
				t.Errorf("truncate(%.20q…, %d) leaves a dangling backslash", in, max)
			}
			if countBoldMarkers(body)%2 == 1 {
				t.Errorf("truncate(%.20q…, %d) leaves an unclosed bold: %q", in, max, got)
			}
		}
	}
	// A cut inside a bold span closes it, and still fits.
	bold := "**" + strings.Repeat("b", 50) + "**"
	for max := 1; max < 60; max++ {
		got := truncate(bold, max)
		if n := textLen(got); n > max || countBoldMarkers(got)%2 == 1 {
			t.Errorf("truncate(bold, %d) = %q (%d)", max, got, n)
		}
	}
	if got := truncate("  short  ", 10); got != "short" {
		t.Errorf("truncate trims: got %q", got)
	}
}

func TestRenderMarkedKeepsAnswerInView(t *testing.T) {
	t.Parallel()
	text := hugeText(6000) + " The answer is forty-two. " + hugeText(3000)
	out := renderMarked(markAnswer(text, "The answer is forty-two."), 1000)
	if n := textLen(out); n > 1000 {
		t.Fatalf("renderMarked is %d long", n)
	}
	if !strings.Contains(out, "**The answer is forty\\-two.**") {
		t.Errorf("answer not in view, in bold:\n%s", out)
	}
	if !strings.HasPrefix(out, ellipsis) || !strings.HasSuffix(out, ellipsis) {
		t.Errorf("cut text should start and end with an ellipsis: %.40q … %.40q", out, out[max(0, len(out)-40):])
	}
	if live := liveMention(out); live != "" {
		t.Errorf("live mention %q", live)
	}
	// Highlight markers with inner spaces render as bold without them.
	if got := renderMarked("a\x02 kursk \x03b", 100); got != "a **kursk** b" {
		t.Errorf("renderMarked moves spaces out of bold: got %q", got)
	}
	// An unbalanced start marker is dropped, not rendered as an open bold.
	if got := renderMarked("a\x02b", 100); got != "ab" {
		t.Errorf("unbalanced marker: got %q", got)
	}
}

// bigEngine serves n huge articles, all from one URL, to push every limit.
func bigEngine(n int) *fakeEngine {
	var arts []briefbot.Article
	for k := range n {
		arts = append(arts, briefbot.Article{
			ID:        fmt.Sprintf("big/%d", k),
			Title:     "Kursk " + hugeText(400),
			Author:    hugeText(80),
			Source:    "big.example",
			URL:       "https://big.example/same-page",
			Published: day(2025, 3, 10),
			Paragraphs: []briefbot.Paragraph{
				para(1, "Kursk "+hugeText(9000)+". Kursk is the answer here. "+hugeText(9000)),
				para(2, "Kursk again "+hugeText(3000)),
			},
		})
	}
	return &fakeEngine{articles: arts}
}

func TestResponsesAtTheLimits(t *testing.T) {
	t.Parallel()
	eng := bigEngine(12)
	h, _, _ := newTestHandler(t, eng, func(o *HandlerOptions) { o.RateLimit = RateLimit{Max: -1} })
	ctx := context.Background()
	cases := []*discordgo.Interaction{
		guildCommand("1", memberPerms, cmdAsk, strOpt("question", "the answer here")),
		guildCommand("1", memberPerms, cmdSearch, strOpt("keywords", "Kursk")),
		guildCommand("1", memberPerms, cmdSummary),
		guildCommand("1", memberPerms, cmdSources),
	}
	for _, i := range cases {
		resp := h.Handle(ctx, i)
		checkResponse(t, resp)
		d := resp.Data
		if len(d.Embeds) == 0 {
			t.Errorf("/%s: no embeds: %s", i.ApplicationCommandData().Name, d.Content)
		}
		if i.ApplicationCommandData().Name == cmdSearch {
			if len(d.Embeds) != searchPageSize {
				t.Errorf("/search shows %d results, want %d", len(d.Embeds), searchPageSize)
			}
			if total := embedsLen(d.Embeds); total < maxEmbedsTotal*3/4 {
				t.Errorf("/search uses only %d of %d units: the budget is too timid", total, maxEmbedsTotal)
			}
		}
		if i.ApplicationCommandData().Name == cmdAsk {
			for _, e := range d.Embeds {
				if !strings.HasSuffix(e.Title, "¶1") && !strings.HasSuffix(e.Title, "¶2") {
					t.Errorf("a long title must keep its ¶n: %q", e.Title)
				}
			}
			if !strings.Contains(d.Embeds[0].Description, "**Kursk is the answer here.**") {
				t.Errorf("answer not in view in a huge passage:\n%.300s", d.Embeds[0].Description)
			}
		}
	}
}

func TestFitMessageEnforcesEveryLimit(t *testing.T) {
	t.Parallel()
	var embeds []*discordgo.MessageEmbed
	for k := range 15 {
		e := &discordgo.MessageEmbed{
			Title:       escapeMarkdown(hugeText(400)),
			Description: escapeMarkdown(hugeText(5000)),
			URL:         fmt.Sprintf("https://x.example/%d", k),
			Footer:      &discordgo.MessageEmbedFooter{Text: escapeMarkdown(hugeText(3000))},
			Author:      &discordgo.MessageEmbedAuthor{Name: escapeMarkdown(hugeText(300))},
		}
		for f := range 30 {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: fmt.Sprint(f) + escapeMarkdown(hugeText(300)), Value: escapeMarkdown(hugeText(2000))})
		}
		embeds = append(embeds, e)
	}
	var rows []discordgo.MessageComponent
	for r := range 7 {
		var row []discordgo.MessageComponent
		for b := range 7 {
			row = append(row, discordgo.Button{Label: hugeText(100), CustomID: fmt.Sprintf("%d-%d", r, b) + strings.Repeat("x", r*30)})
		}
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	content, embeds, comps := fitMessage(escapeMarkdown(hugeText(5000)), embeds, rows)
	checkMessage(t, content, embeds, comps, noMentions())
	if len(embeds) == 0 {
		t.Error("fitMessage dropped every embed")
	}
	for _, c := range comps {
		for _, b := range c.(discordgo.ActionsRow).Components {
			if len(b.(discordgo.Button).CustomID) > maxCustomID {
				t.Errorf("kept a custom_id over the limit")
			}
		}
	}
	// An empty message gets a placeholder rather than Discord's error 50006.
	if c, _, _ := fitMessage("   ", nil, nil); strings.TrimSpace(c) == "" {
		t.Error("empty message left empty")
	}
}

func TestSummaryAndSourcesAtTheLimits(t *testing.T) {
	t.Parallel()
	var sum briefbot.Summary
	for k := range 15 {
		sum.Stories = append(sum.Stories, briefbot.Story{Title: hugeText(300)})
		for p := range 8 {
			sum.Points = append(sum.Points, briefbot.Point{
				Article:   briefbot.ArticleRef{ID: "a", Title: hugeText(200), Author: "x", URL: "https://x.example/(a)b c", Published: day(2025, 3, 10)},
				Paragraph: p + 1, Text: hugeText(900), Story: k,
			})
		}
	}
	sum.Points = append(sum.Points, briefbot.Point{Text: "orphan", Story: 99})
	content, embeds := renderSummary("Briefing", sum, time.Second)
	content, embeds, comps := fitMessage(content, embeds, nil)
	checkMessage(t, content, embeds, comps, noMentions())
	if len(embeds) != maxEmbeds {
		t.Errorf("summary of 16 stories has %d embeds, want %d", len(embeds), maxEmbeds)
	}
	if !strings.Contains(embeds[len(embeds)-1].Footer.Text, "not shown") {
		t.Errorf("footer should say some points are not shown: %q", embeds[len(embeds)-1].Footer.Text)
	}
	if strings.Contains(embeds[0].Description, "(a)b c") {
		t.Error("a URL with parentheses or spaces must be encoded inside a masked link")
	}

	var srcs []briefbot.SourceInfo
	for k := range 500 {
		srcs = append(srcs, briefbot.SourceInfo{Source: fmt.Sprintf("source-%03d-", k) + hugeText(120), Articles: k, Latest: day(2025, 3, 1)})
	}
	e := renderSources(srcs)
	checkMessage(t, "", []*discordgo.MessageEmbed{e}, nil, noMentions())
	if !strings.Contains(e.Description, "more") {
		t.Error("/sources with 500 sources should say how many it left out")
	}
}

func TestPassageURLsAreDistinct(t *testing.T) {
	t.Parallel()
	us := urlSet{}
	got := []string{
		us.passageURL("https://a.example/x#old", 2),
		us.passageURL("https://a.example/x", 2),
		us.passageURL("https://a.example/x", 3),
		us.passageURL("https://a.example/x", 0),
		us.passageURL("javascript:alert(1)", 1),
		us.passageURL("ftp://a.example/x", 1),
		us.passageURL("https://user:pw@a.example/x", 1),
	}
	want := []string{
		"https://a.example/x#%C2%B62",
		"https://a.example/x#%C2%B62-2",
		"https://a.example/x#%C2%B63",
		"https://a.example/x",
		"", "", "",
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("passageURL #%d = %q, want %q", k, got[k], want[k])
		}
	}
}

func TestCitation(t *testing.T) {
	t.Parallel()
	ref := briefbot.ArticleRef{ID: "id", Title: "T", Author: "A", Published: day(2025, 1, 2)}
	if got := citation(ref, 3); got != "T — A · 2025-01-02 · ¶3" {
		t.Errorf("citation = %q", got)
	}
	if got := citation(briefbot.ArticleRef{ID: "only/id"}, 1); got != "only/id — ¶1" {
		t.Errorf("citation without title = %q", got)
	}
	long := briefbot.ArticleRef{Title: strings.Repeat("🌀", 300), Author: "A", Published: day(2025, 1, 2)}
	if got := citationTitle(long, 7); textLen(got) > maxEmbedTitle || !strings.HasSuffix(got, "A · 2025\\-01\\-02 · ¶7") {
		t.Errorf("citationTitle of a long title = %q (%d)", got, textLen(got))
	}
}

// TestNumberedLineIsNotAList: a quoted paragraph that starts like an
// ordered-list item ("1. …") renders as the text it is.
func TestNumberedLineIsNotAList(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1. Ministers agreed the plan.":          `1\. Ministers agreed the plan.`,
		"12. The last item.":                     `12\. The last item.`,
		"It rose 1.5 percent.":                   "It rose 1.5 percent.",
		"2024 was a year. 3. Not a line start.":  "2024 was a year. 3. Not a line start.",
		"\x021. Bold from the start.\x03 Then.":  `**1\. Bold from the start.** Then.`,
		"Residents said:\n2. The council agreed": "Residents said:\n2\\. The council agreed",
	} {
		got := renderMarked(in, 200)
		if got != want {
			t.Errorf("renderMarked(%q) = %q, want %q", in, got, want)
		}
		if n := textLen(got); n > 200 {
			t.Errorf("%q: %d units", in, n)
		}
	}
	// The escape counts toward the limit: a cut keeps within it.
	long := "1. " + strings.Repeat("word ", 100)
	if got := renderMarked(long, 50); textLen(got) > 50 {
		t.Errorf("cut to %d units: %q", textLen(got), got)
	}
}
