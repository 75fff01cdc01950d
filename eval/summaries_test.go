package eval

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/summarize"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTokens(t *testing.T) {
	got := strings.Join(Tokens("The U.S. paid $2.6m -- ``Ça va'' Zürich's 3,000"), " ")
	if want := "the u s paid 2 6m ça va zürich s 3 000"; got != want {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

func TestRouge(t *testing.T) {
	// Hand-computed: summary "the cat sat on the mat" (6 tokens, 5 bigrams),
	// reference "the cat lay on the mat today" (7 tokens, 6 bigrams).
	// Unigram overlap: the×2, cat, on, mat = 5. Bigrams: "the cat", "on the",
	// "the mat" = 3. LCS: the cat on the mat = 5.
	r := Rouge("The cat sat on the mat.", "the cat lay on the mat today")
	f := func(hit, ns, nr float64) float64 { p, q := hit/ns, hit/nr; return 2 * p * q / (p + q) }
	if !near(r.R1, f(5, 6, 7)) || !near(r.R2, f(3, 5, 6)) || !near(r.RL, f(5, 6, 7)) {
		t.Errorf("Rouge = %+v, want R1 %v R2 %v RL %v", r, f(5, 6, 7), f(3, 5, 6), f(5, 6, 7))
	}
	// Clipping: a repeated word counts only as often as in the reference.
	if r := Rouge("the the the the", "the cat"); !near(r.R1, f(1, 4, 2)) {
		t.Errorf("clipped R1 = %v", r.R1)
	}
	// ROUGE-L is over the whole text, not per sentence: order matters.
	if r := Rouge("mat the. cat on", "the cat on the mat"); !near(r.RL, f(3, 4, 5)) {
		t.Errorf("RL = %v, want LCS 3 (the cat on)", r.RL)
	}
	if r := Rouge("", "anything"); r != (ROUGE{}) {
		t.Errorf("empty summary scored %+v", r)
	}
	if r := Rouge("same words here", "Same, words. Here!"); !near(r.R1, 1) || !near(r.R2, 1) || !near(r.RL, 1) {
		t.Errorf("identical texts: %+v", r)
	}
}

func TestContainsWords(t *testing.T) {
	for _, c := range []struct {
		text, phrase string
		want         bool
	}{
		{"Leaders of Europe met.", "europe", true},
		{"European leaders met.", "Europe", false},
		{"Europe's leaders met.", "Europe", true},
		{"The ban on military-style assault weapons was left out.", "Ban on military-style assault weapons", true},
		{"A squid game.", "Squid Game", true},
		{"Squidgame", "Squid Game", false},
		{"Price: 1,000 dollars", "1,000", true},
		{"11,000", "1,000", false},
		{"anything", "", false},
		{"Europe", "europe", true},
	} {
		if got := ContainsWords(c.text, c.phrase); got != c.want {
			t.Errorf("ContainsWords(%q, %q) = %v, want %v", c.text, c.phrase, got, c.want)
		}
	}
}

func TestDetokenize(t *testing.T) {
	in := "He said `` we won '' and left . The game `` Space Invaders '' is old ."
	want := `He said "we won" and left . The game "Space Invaders" is old .`
	if got := Detokenize(in); got != want {
		t.Errorf("Detokenize = %q, want %q", got, want)
	}
	if a, b := Tokens(in), Tokens(Detokenize(in)); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Error("Detokenize changed the ROUGE tokens")
	}
}

func TestSummariesCNNDMFormat(t *testing.T) {
	in := `{"id":"c1","text":"( CNN ) A storm hit the coast of Texas on Monday , officials said . Thousands lost power in Houston . Schools were closed for two days . The mayor thanked volunteers .","references":["A storm hit Texas . Thousands lost power .","other"],"lead3":"( cnn ) a storm hit the coast of texas on monday , officials said . thousands lost power in houston . schools were closed for two days ."}
`
	var gotOpts summarize.Options
	var gotArt briefbot.Article
	rep, err := SummariesFrom(strings.NewReader(in), SummariesOptions{Summarize: func(arts []briefbot.Article, o summarize.Options) briefbot.Summary {
		gotOpts, gotArt = o, arts[0]
		return summarize.Articles(arts, o)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Set != "cnndm" || rep.Articles != 1 || rep.BaselineName != "LEAD-3" {
		t.Errorf("report %+v", rep)
	}
	if gotOpts.Sentences != 3 || gotOpts.Words != 0 || gotOpts.Signatures != nil || len(gotArt.Paragraphs) != 1 || gotArt.ID != "c1" {
		t.Errorf("summarizer called with %+v on %+v", gotOpts, gotArt)
	}
	if want := Rouge(`( cnn ) a storm hit the coast of texas on monday , officials said . thousands lost power in houston . schools were closed for two days .`, "A storm hit Texas . Thousands lost power ."); rep.Baseline != want {
		t.Errorf("baseline %+v, want the lead3 field scored against the first reference %+v", rep.Baseline, want)
	}
	if rep.Briefbot.R1 <= 0 {
		t.Errorf("briefbot scored %+v", rep.Briefbot)
	}
}

func TestSummariesBBCFormatBudgetAndRepeats(t *testing.T) {
	line := `{"id":"%s","title":"Rates rise","paragraphs":["The bank raised rates to 5%% on Thursday.","Inflation is at 7%% and rising fast. Mortgage costs will go up for millions."],"reference":"The bank raised rates to 5%% on Thursday. Mortgage costs will go up."}`
	in := strings.ReplaceAll(line, "%s", "b1") + "\n" + strings.ReplaceAll(line, "%s", "b2-repeat") + "\n"
	in = strings.ReplaceAll(in, "%%", "%")
	var calls []summarize.Options
	rep, err := SummariesFrom(strings.NewReader(in), SummariesOptions{Summarize: func(arts []briefbot.Article, o summarize.Options) briefbot.Summary {
		calls = append(calls, o)
		return summarize.Articles(arts, o)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Set != "bbc" || rep.Articles != 1 || len(calls) != 1 {
		t.Fatalf("repeat not counted once: %+v, %d calls", rep, len(calls))
	}
	if o := calls[0]; o.Words != 13 || o.Sentences != 0 || o.Signatures != nil {
		t.Errorf("budget %+v, want Words = reference length 13", calls[0])
	}
	if got := LeadingSentences(briefbot.Article{Paragraphs: []briefbot.Paragraph{
		{N: 1, Text: "The bank raised rates to 5% on Thursday."},
		{N: 2, Text: "Inflation is at 7% and rising fast. Mortgage costs will go up for millions."}}}, 12); got != "The bank raised rates to 5% on Thursday. Inflation is at 7% and rising fast." {
		t.Errorf("LeadingSentences = %q", got)
	}
}

func TestSummariesRejectsMixedAndUnknownLines(t *testing.T) {
	cnn := `{"id":"c","text":"A b c d e f g .","references":["a"],"lead3":"a"}`
	bbc := `{"id":"b","paragraphs":["A b c d e f g."],"reference":"a"}`
	if _, err := SummariesFrom(strings.NewReader(cnn+"\n"+bbc+"\n"), SummariesOptions{}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("mixed file: err = %v", err)
	}
	if _, err := SummariesFrom(strings.NewReader(`{"id":"x"}`), SummariesOptions{}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unknown line: err = %v", err)
	}
	if _, err := SummariesFrom(strings.NewReader(""), SummariesOptions{}); err == nil {
		t.Error("empty file accepted")
	}
}

func TestDigestsOf(t *testing.T) {
	mk := func(id, pub, title string, paras ...string) briefbot.Article {
		a := briefbot.Article{ID: id, Title: title, Source: id + ".example"}
		a.Published, _ = time.Parse(time.DateOnly, pub)
		for i, p := range paras {
			a.Paragraphs = append(a.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
		}
		return a
	}
	arts := []briefbot.Article{
		mk("old", "2022-06-10", "Too early", "Squid Game was renewed for a second season by Netflix on Friday."),
		mk("a", "2022-06-11", "Europe agrees common charger", "Europe will require a common charging port for all phones sold from 2024, officials said."),
		mk("b", "2022-06-17", "Gun deal in the Senate", "A bipartisan group of senators agreed a gun safety deal on Sunday in Washington."),
		mk("late", "2022-06-18", "Too late", "Squid Game was renewed for a second season by Netflix on Saturday."),
	}
	weeks := []Week{{Week: "2022-06-17", Questions: []WeekQuestion{
		{QID: "1", Answer: "Europe"}, {QID: "2", Answer: "Squid Game"}, {QID: "3", Answer: "senators"}, {QID: "4", Answer: "Washington"},
	}}}
	in := WeekArticles(arts, time.Date(2022, 6, 17, 0, 0, 0, 0, time.UTC), 7)
	if len(in) != 2 || in[0].ID != "b" || in[1].ID != "a" {
		t.Fatalf("week's articles = %v, want b, a (7 days ending on the 17th, newest first)", ids(in))
	}
	rep, err := DigestsOf(weeks, arts, DigestOptions{Sentences: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := rep.Weeks[0]
	if w.Articles != 2 || w.Reachable != 3 || w.Baseline != 2 {
		t.Errorf("week %+v: want 2 articles, 3 answers reachable, baseline (first sentence of the newest) finds 2", w)
	}
	if !near(rep.Reachable, 0.75) || !near(rep.Coverage, float64(w.Found)/4) || len(rep.Violations) != 0 {
		t.Errorf("report %+v", rep)
	}
	if _, err := DigestsOf([]Week{{Week: "17/06/2022", Questions: weeks[0].Questions}}, arts, DigestOptions{}); err == nil {
		t.Error("bad week date accepted")
	}
}

func ids(arts []briefbot.Article) []string {
	var out []string
	for _, a := range arts {
		out = append(out, a.ID)
	}
	return out
}
