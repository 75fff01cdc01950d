package index

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/neardup"
)

// The story below was written for these tests: a made-up wire story on a
// lighthouse, carried by two outlets that edit it lightly the way outlets
// edit wire copy, and an unrelated article.

var lighthouseParas = []string{
	"HARROWBY (Wire) — Engineers finished restoring the Harrowby lighthouse on Tuesday, seventy years after its lamp went dark, and the county council said the tower would open to visitors from the first weekend of May.",
	"The restoration cost 4.2 million pounds, most of it raised by a trust of local families and a lottery grant. Workers replaced the rusted lantern room, rebuilt the spiral stair and repainted the tower in its original red bands.",
	"The new lamp uses light-emitting diodes that draw less power than a kettle, the trust's chairwoman, Elspeth Moorcroft, said. It will shine every night as a landmark, although ships no longer need it to navigate the bay.",
	"Harrowby's lighthouse was switched off in 1956 when radar made it redundant. For decades the tower stood empty and gulls nested in the lantern room, until a storm in 2019 tore away part of its gallery rail.",
	"Tickets to climb the 142 steps will cost six pounds for adults. Children under twelve will climb free, and the trust plans evening tours in summer when the lamp is lit.",
	"The council said it expected about forty thousand visitors a year, a welcome boost for a town whose fishing fleet has shrunk to a handful of boats.",
}

// lighthouseCopies are the wire story (2026-03-03) and its copies at two
// outlets (2026-03-04 and 2026-03-05).
func lighthouseCopies() []briefbot.Article {
	wire := art("lighthouse-wire", "wire.example", "Wire Staff", "2026-03-03", "Harrowby lighthouse restored", lighthouseParas...)

	// Outlet A: its own dateline, "£4.2m", the last paragraph dropped, an
	// editor's note added.
	a := slices.Clone(lighthouseParas)
	a[0] = strings.Replace(a[0], "HARROWBY (Wire) — ", "Harrowby: ", 1)
	a[1] = strings.Replace(a[1], "4.2 million pounds", "£4.2m", 1)
	a = append(a[:5], "This story was updated to add the ticket prices.")
	coast := art("lighthouse-coast", "coast-news.example", "Coast Desk", "2026-03-04", "Lighthouse shines again", a...)

	// Outlet B: a local first paragraph and a sentence added to the ticket
	// paragraph, which alone says who painted the shop's postcards.
	b := []string{"Crowds gathered on the Harrowby quay on Tuesday to watch the lighthouse lamp tested for the first time."}
	b = append(b, lighthouseParas...)
	b[5] += " The lighthouse shop will sell postcards painted by pupils of Harrowby primary school."
	harbour := art("lighthouse-harbour", "daily-harbour.example", "Jo Penhale", "2026-03-05", "Harrowby light is back", b...)

	return []briefbot.Article{wire, coast, harbour}
}

func unrelatedArticle() briefbot.Article {
	return art("orchard", "county-times.example", "Ravi Shah", "2026-03-04", "Orchard wins award",
		"A cider orchard near Lowmere won the county's farming prize on Wednesday for planting rare apple varieties.",
		"The judges praised the orchard's hedgerows, which shelter bats and nesting birds, and its open days for schools.")
}

func sources(cs []briefbot.Copy) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Article.Source)
	}
	return out
}

func TestAskShowsAStoryOnce(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, append(lighthouseCopies(), unrelatedArticle())...)
	ans, err := ix.Ask(context.Background(), "How much are tickets to climb the Harrowby lighthouse?", briefbot.AskOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) == 0 {
		t.Fatalf("no passage: %+v", ans)
	}
	p := ans.Passages[0]
	if !strings.Contains(p.Text, "six pounds") {
		t.Fatalf("first passage %s does not answer: %q", p.ID, p.Text)
	}
	// The two other outlets, earliest first, each with its own ¶n.
	var want []string
	for _, a := range lighthouseCopies() {
		if a.Source != p.Article.Source {
			want = append(want, a.Source)
		}
	}
	if got := sources(p.AlsoIn); !slices.Equal(got, want) {
		t.Errorf("AlsoIn %v (%+v), want %v", got, p.AlsoIn, want)
	}
	for _, c := range p.AlsoIn {
		if c.ID != briefbot.ParagraphID(c.Article.ID, c.Paragraph) || c.Article.URL == "" {
			t.Errorf("copy %+v: ID or URL wrong", c)
		}
	}
	// No paragraph is quoted twice, and every passage is the one story.
	seen := map[string]bool{}
	for _, q := range ans.Passages {
		key := nearKey(q.Text)
		if seen[key] {
			t.Errorf("%s repeats a passage already shown: %q", q.ID, q.Text)
		}
		seen[key] = true
		if !strings.HasPrefix(q.Article.ID, "lighthouse-") {
			t.Errorf("%s is not the story", q.ID)
		}
	}
	if ans.Stories != 1 {
		t.Errorf("Stories = %d over %v, want 1", ans.Stories, ids(ans.Passages))
	}
}

// Only outlet B's copy says who painted the postcards: that copy, the
// latest, is quoted, with the other two in its AlsoIn; grouping never
// swaps in the original. (The question names the tickets too: AlsoIn lists
// the copies among Ask's candidates, and a copy's paragraph that holds
// none of the question's words is not one.)
func TestAskQuotesTheCopyThatAnswers(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, append(lighthouseCopies(), unrelatedArticle())...)
	ans, err := ix.Ask(context.Background(), "Who painted the postcards sold with the tickets to climb the 142 steps?", briefbot.AskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) == 0 {
		t.Fatalf("no passage: %+v", ans)
	}
	p := ans.Passages[0]
	if p.ID != "lighthouse-harbour#6" {
		t.Fatalf("first passage %s, want the copy that answers, lighthouse-harbour#6", p.ID)
	}
	if got, want := sources(p.AlsoIn), []string{"wire.example", "coast-news.example"}; !slices.Equal(got, want) {
		t.Errorf("AlsoIn %v, want %v (earliest first)", got, want)
	}
}

func TestAskStoriesCountsDistinctStories(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, append(lighthouseCopies(), unrelatedArticle())...)
	ans, err := ix.Ask(context.Background(), "Which prize did the Lowmere orchard and the Harrowby lighthouse restoration trust win?", briefbot.AskOptions{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	arts := map[string]bool{}
	story := map[string]bool{}
	for _, p := range ans.Passages {
		arts[p.Article.ID] = true
		story[strings.Split(p.Article.ID, "-")[0]] = true
	}
	if len(story) != 2 || len(arts) < 3 {
		t.Fatalf("the test wants passages of three articles of two stories: %v", ids(ans.Passages))
	}
	if ans.Stories != 2 {
		t.Errorf("Stories = %d over %v, want 2", ans.Stories, ids(ans.Passages))
	}
}

func TestIngestCountsCopies(t *testing.T) {
	ix := newTestIndex(t)
	arts := lighthouseCopies()
	if rep := upsert(t, ix, arts[0]); rep.Copies != 0 {
		t.Errorf("the first copy: Copies = %d, want 0", rep.Copies)
	}
	if rep := upsert(t, ix, arts[1], arts[2], unrelatedArticle()); rep.Copies != 2 {
		t.Errorf("two more outlets and an unrelated article: Copies = %d, want 2", rep.Copies)
	}
	if rep := upsert(t, ix, arts...); rep.Copies != 0 || rep.Unchanged != 3 {
		t.Errorf("the same again: Copies = %d, Unchanged = %d, want 0 and 3", rep.Copies, rep.Unchanged)
	}
	// An updated article is compared with the others, not with itself.
	lone := unrelatedArticle()
	lone.Title = "Orchard prize"
	if rep := upsert(t, ix, lone); rep.Copies != 0 || rep.Updated != 1 {
		t.Errorf("an updated article with no copy: Copies = %d, Updated = %d, want 0 and 1", rep.Copies, rep.Updated)
	}
	for key, e := range ix.snapshot().Articles {
		if _, err := neardup.ParseCompact(e.Sig); err != nil {
			t.Errorf("%s: stored signature: %v", key, err)
		}
	}
}
