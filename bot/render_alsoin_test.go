package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

// answerEngine is the fake engine with one fixed answer to every question:
// what the index returns for a story that several outlets carry.
type answerEngine struct {
	*fakeEngine
	ans briefbot.Answer
}

func (e *answerEngine) Ask(ctx context.Context, q string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	ans := e.ans
	ans.Query = q
	if len(ans.Passages) > opts.K {
		ans.Passages = ans.Passages[:opts.K]
	}
	return ans, nil
}

func copyOf(source, url string, n int) briefbot.Copy {
	id := strings.ReplaceAll(source, " ", "-") + "-story"
	return briefbot.Copy{
		Article:   briefbot.ArticleRef{ID: id, Title: "Lighthouse restored", Source: source, URL: url, Published: day(2025, 3, 4)},
		Paragraph: n, ID: briefbot.ParagraphID(id, n),
	}
}

func storyPassage(id string, copies ...briefbot.Copy) briefbot.Passage {
	return briefbot.Passage{
		Article:   briefbot.ArticleRef{ID: id, Title: "Harrowby lighthouse restored", Source: "wire.example", URL: "https://wire.example/" + id, Published: day(2025, 3, 3)},
		Paragraph: 5, ID: briefbot.ParagraphID(id, 5),
		Text:   "Tickets to climb the 142 steps will cost six pounds for adults. Children under twelve will climb free.",
		Answer: "Tickets to climb the 142 steps will cost six pounds for adults.",
		AlsoIn: copies,
	}
}

func TestAskShowsAlsoIn(t *testing.T) {
	t.Parallel()
	p := storyPassage("wire-1",
		copyOf("coast-news.example", "https://coast-news.example/lighthouse", 5),
		copyOf("Daily Harbour", "javascript:alert(1)", 6))
	eng := &answerEngine{fakeEngine: &fakeEngine{}, ans: briefbot.Answer{Passages: []briefbot.Passage{p}, Stories: 1, Articles: 4}}
	h, _, _ := newTestHandler(t, eng, nil)
	resp := h.Handle(context.Background(), guildCommand("1", memberPerms, cmdAsk, strOpt("question", "How much are tickets?")))
	checkResponse(t, resp)
	d := resp.Data.Embeds[0].Description
	want := "-# also in: [coast\\-news.example](https://coast-news.example/lighthouse), Daily Harbour"
	if !strings.HasSuffix(d, "\n"+want) {
		t.Errorf("description does not end with %q:\n%s", want, d)
	}
	if strings.Contains(d, "javascript") {
		t.Errorf("an unsafe URL is linked: %s", d)
	}
	if !strings.Contains(d, "**Tickets to climb") {
		t.Errorf("the answer is no longer marked: %s", d)
	}
}

// Thirty outlets on each of five passages, with long URLs and names that
// try to ping and to format: the message stays within Discord's limits,
// the quote keeps most of its embed, and the outlets that do not fit are
// counted.
func TestAlsoInThirtyCopiesFits(t *testing.T) {
	t.Parallel()
	var ps []briefbot.Passage
	for k := range 5 {
		var copies []briefbot.Copy
		for j := range 30 {
			name := fmt.Sprintf("@everyone **Outlet** <@123> %d", j)
			copies = append(copies, copyOf(name, fmt.Sprintf("https://outlet%d.example/%s", j, strings.Repeat("long-path/", 40)), 5))
		}
		p := storyPassage(fmt.Sprintf("wire-%d", k), copies...)
		p.Text = hugeText(3000)
		p.Answer = ""
		ps = append(ps, p)
	}
	eng := &answerEngine{fakeEngine: &fakeEngine{}, ans: briefbot.Answer{Passages: ps, Stories: 5, Articles: 200}}
	h, _, _ := newTestHandler(t, eng, nil)
	resp := h.Handle(context.Background(), guildCommand("1", memberPerms, cmdAsk, strOpt("question", "tickets")))
	checkResponse(t, resp)
	if len(resp.Data.Embeds) != askPageSize {
		t.Fatalf("%d embeds, want %d", len(resp.Data.Embeds), askPageSize)
	}
	for k, e := range resp.Data.Embeds {
		quote, also, ok := strings.Cut(e.Description, "\n-# also in: ")
		if !ok {
			t.Fatalf("embed %d has no also-in line:\n%s", k, e.Description)
		}
		if k == 0 {
			t.Logf("embed 0: quote %d units, also in %d: %s", textLen(quote), textLen(also), also)
		}
		if !strings.HasSuffix(also, "more") {
			t.Errorf("embed %d: the outlets that do not fit are not counted: %q", k, also)
		}
		if textLen(quote) < 2*textLen(also) {
			t.Errorf("embed %d: the outlets (%d units) crowd out the quote (%d)", k, textLen(also), textLen(quote))
		}
		if strings.Count(also, "](") != strings.Count(also, "[") {
			t.Errorf("embed %d: a link is cut: %q", k, also)
		}
	}
}

func TestAlsoInLine(t *testing.T) {
	t.Parallel()
	cs := []briefbot.Copy{
		copyOf("b.example", "https://b.example/x", 2),
		{Article: briefbot.ArticleRef{ID: "c", URL: "https://www.c.example/y"}, Paragraph: 3},
		{Article: briefbot.ArticleRef{ID: "d_1", Title: "D's *own* story"}, Paragraph: 1},
	}
	if got, want := alsoInLine(cs, 1000), `-# also in: [b.example](https://b.example/x), [c.example](https://www.c.example/y), D's \*own\* story`; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := alsoInLine(nil, 1000); got != "" {
		t.Errorf("no copies: %q", got)
	}
	if got, want := alsoInLine(cs, 60), "-# also in: [b.example](https://b.example/x) and 2 more"; got != want {
		t.Errorf("narrow: got %q, want %q", got, want)
	}
	if got := alsoInLine(cs, 10); got != "" {
		t.Errorf("no room: %q", got)
	}
}

func TestAskFooterCountsStories(t *testing.T) {
	t.Parallel()
	ps := []briefbot.Passage{storyPassage("wire-1"), storyPassage("wire-1"), storyPassage("other")}
	ps[1].Paragraph, ps[1].ID = 2, "wire-1#2"
	ps[2].Paragraph, ps[2].ID = 1, "other#1"
	eng := &answerEngine{fakeEngine: &fakeEngine{}, ans: briefbot.Answer{Passages: ps, Stories: 2, Articles: 40}}
	h, _, _ := newTestHandler(t, eng, nil)
	resp := h.Handle(context.Background(), guildCommand("1", memberPerms, cmdAsk, strOpt("question", "tickets")))
	checkResponse(t, resp)
	es := resp.Data.Embeds
	if f := es[len(es)-1].Footer.Text; !strings.HasPrefix(f, "3 passages (2 stories) from 40 articles searched") {
		t.Errorf("footer %q", f)
	}
	// A page that shows only part of the answer cannot tell its stories.
	if got := pageStories(briefbot.Answer{Passages: ps, Stories: 2}, 0, 2); got != 0 {
		t.Errorf("pageStories of part of an answer = %d, want 0", got)
	}
	if got := askFooter(0, 3, 3, 40, 0); strings.Contains(got, "stories") {
		t.Errorf("as many stories as passages are not worth a mention: %q", got)
	}
}
