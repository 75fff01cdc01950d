package summarize

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// art builds an article whose paragraphs are the given texts, numbered 1, 2, …
func art(id, title, source string, day int, paras ...string) briefbot.Article {
	a := briefbot.Article{ID: id, Title: title, Source: source, Published: time.Date(2024, 3, day, 9, 0, 0, 0, time.UTC)}
	for i, p := range paras {
		a.Paragraphs = append(a.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
	}
	return a
}

func mustKeepRules(t *testing.T, sum briefbot.Summary, arts []briefbot.Article) {
	t.Helper()
	for _, v := range Check(sum, arts) {
		t.Error(v)
	}
}

func texts(s briefbot.Summary) []string {
	var out []string
	for _, p := range s.Points {
		out = append(out, p.Text)
	}
	return out
}

func TestEmptyAndJunkOnly(t *testing.T) {
	if s := Articles(nil, Options{}); len(s.Points) != 0 || s.NoMatch != briefbot.NoArticles {
		t.Fatalf("no articles: %+v", s)
	}
	junk := art("ads", "Ads", "x.com", 1, "Click here to subscribe to our newsletter for more great stories every day.", "Photo: Getty Images")
	s := Articles([]briefbot.Article{junk}, Options{})
	if len(s.Points) != 0 || s.Articles != 1 || s.NoMatch != briefbot.NothingToQuote {
		t.Fatalf("junk only: %+v", s)
	}
}

func TestPointsAreVerbatimAndCited(t *testing.T) {
	a := art("world/quake", "Earthquake strikes central Chile", "wire.example", 4,
		"SANTIAGO (Reuters) - A magnitude 7.1 earthquake struck central Chile on Monday, officials said.",
		"The quake damaged roads and bridges in three regions. Power was cut to 200,000 homes in Valparaiso.",
	)
	s := Articles([]briefbot.Article{a}, Options{Sentences: 2})
	mustKeepRules(t, s, []briefbot.Article{a})
	if len(s.Points) != 2 {
		t.Fatalf("got %d points: %q", len(s.Points), texts(s))
	}
	p := s.Points[0]
	if p.Text != "A magnitude 7.1 earthquake struck central Chile on Monday, officials said." {
		t.Errorf("dateline not skipped or wrong sentence: %q", p.Text)
	}
	if p.ID != "world/quake#1" || p.Paragraph != 1 || p.Article.ID != "world/quake" || p.Article.Source != "wire.example" {
		t.Errorf("citation: %+v", p)
	}
	if len(s.Stories) != 1 || s.Stories[0].Title != a.Title || p.Story != 0 {
		t.Errorf("stories: %+v", s.Stories)
	}
}

func TestRedundancyRule(t *testing.T) {
	// Two articles repeat the same sentence nearly word for word; a third
	// sentence says something else. The repeat must not be quoted twice.
	a := art("a", "Parliament passes the budget", "one.example", 5,
		"Parliament passed the national budget on Tuesday after a marathon overnight debate.",
		"Opposition leaders walked out before the final vote in protest at the spending cuts.")
	b := art("b", "Budget passes parliament", "two.example", 5,
		"Parliament passed the national budget on Tuesday after a long overnight debate.",
		"Teachers unions announced a strike for next month over the education budget.")
	arts := []briefbot.Article{a, b}
	s := Articles(arts, Options{Sentences: 4})
	mustKeepRules(t, s, arts)
	n := 0
	for _, x := range texts(s) {
		if strings.HasPrefix(x, "Parliament passed the national budget") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the repeated sentence is quoted %d times: %q", n, texts(s))
	}
}

func TestPronounStartNeedsItsSentence(t *testing.T) {
	// "He said…" is the most central sentence (it names everything), but
	// it may only be quoted right after the sentence it leans on.
	a := art("p", "Mayor Ortiz resigns over housing contract", "city.example", 6,
		"Mayor Ana Ortiz resigned on Friday after an audit of the Riverside housing contract.",
		"He said the Riverside housing contract audit by the city council forced Mayor Ortiz to resign on Friday.",
		"The council will choose an interim mayor at a special session in April.")
	arts := []briefbot.Article{a}
	for n := 1; n <= 3; n++ {
		s := Articles(arts, Options{Sentences: n})
		mustKeepRules(t, s, arts)
		for i, x := range texts(s) {
			if strings.HasPrefix(x, "He said") && (i == 0 || !strings.HasPrefix(s.Points[i-1].Text, "Mayor Ana Ortiz")) {
				t.Errorf("%d points: %q quoted without its antecedent: %q", n, x, texts(s))
			}
		}
	}
	// Nothing before it: the first sentence of an article may start with "This".
	b := art("q", "Guard slips at the palace", "x.example", 6,
		"This is the moment a palace guard slipped on a manhole cover in front of tourists.",
		"The guard quickly got back to his feet and marched on to his sentry box.")
	s := Articles([]briefbot.Article{b}, Options{Sentences: 1})
	if len(s.Points) != 1 || !strings.HasPrefix(s.Points[0].Text, "This is the moment") {
		t.Errorf("article's first sentence refused: %q", texts(s))
	}
	mustKeepRules(t, s, []briefbot.Article{b})
}

func TestJunkIsNeverQuoted(t *testing.T) {
	a := art("j", "Storm floods coastal towns", "news.example", 7,
		"Photo: A flooded street in Dover. (Getty Images)",
		"Heavy storms flooded coastal towns across southern England on Sunday, forcing hundreds to leave their homes.",
		"Sign up for our daily newsletter to get the latest updates in your inbox.",
		"\"We have never seen anything like it, the water came so fast and nobody was ready.\"",
		"What should you do if your home floods this winter?",
		"The Environment Agency issued 40 flood warnings and said more rain was expected on Monday.")
	s := Articles([]briefbot.Article{a}, Options{Sentences: 5})
	mustKeepRules(t, s, []briefbot.Article{a})
	for _, x := range texts(s) {
		if strings.Contains(x, "Getty") || strings.Contains(x, "newsletter") || strings.HasPrefix(x, "\"We have") || strings.HasSuffix(x, "?") {
			t.Errorf("junk quoted: %q", x)
		}
	}
	if len(s.Points) != 2 {
		t.Errorf("want the 2 real sentences, got %q", texts(s))
	}
}

// storyArticles are three articles about one story, two about another and
// one alone.
func storyArticles() []briefbot.Article {
	return []briefbot.Article{
		art("volcano-1", "Iceland volcano erupts near Grindavik", "a.example", 10,
			"A volcano erupted near the Icelandic town of Grindavik on Sunday, sending lava toward homes.",
			"Authorities evacuated the town's 3,700 residents before the eruption began."),
		art("strike-1", "Rail workers strike over pay in Germany", "b.example", 10,
			"German rail workers began a 48-hour strike over pay on Monday, halting most trains.",
			"The GDL union wants a 35-hour week without a cut in wages."),
		art("volcano-2", "Lava reaches Grindavik homes as Iceland volcano erupts", "b.example", 10,
			"Lava from the Iceland volcano reached the edge of Grindavik and set three homes on fire.",
			"Iceland's president said the country faced a difficult time after the Grindavik eruption."),
		art("chess", "Teenager wins national chess title", "c.example", 11,
			"A 14-year-old from Leeds won the British chess championship on Saturday, the youngest winner ever."),
		art("volcano-3", "Grindavik eruption: what we know about the Iceland volcano", "c.example", 11,
			"The eruption near Grindavik is the fifth on Iceland's Reykjanes peninsula since 2021.",
			"Scientists warned that the Iceland volcano could erupt again within weeks."),
		art("strike-2", "German rail strike strands commuters", "a.example", 11,
			"Millions of commuters were stranded as the German rail strike entered its second day.",
			"Deutsche Bahn said it would run an emergency timetable with a fifth of its trains."),
	}
}

func TestStoryGroupingAndOrder(t *testing.T) {
	arts := storyArticles()
	s := Articles(arts, Options{Sentences: 3})
	mustKeepRules(t, s, arts)
	if len(s.Points) != 3 || len(s.Stories) != 3 {
		t.Fatalf("want one point for each of 3 stories, got %d points, stories %+v: %q", len(s.Points), s.Stories, texts(s))
	}
	want := [][]string{{"volcano-1", "volcano-2", "volcano-3"}, {"strike-1", "strike-2"}, {"chess"}}
	for i, st := range s.Stories {
		got := append([]string(nil), st.Articles...)
		if strings.Join(sorted(got), ",") != strings.Join(want[i], ",") {
			t.Errorf("story %d (%q) = %v, want %v (bigger stories first)", i, st.Title, st.Articles, want[i])
		}
		if s.Points[i].Story != i {
			t.Errorf("point %d names story %d, want %d", i, s.Points[i].Story, i)
		}
	}
	if !strings.Contains(s.Stories[0].Title, "Grindavik") {
		t.Errorf("story headline %q is not one of its articles' titles", s.Stories[0].Title)
	}
}

func TestOneStoryEachBeforeSeconds(t *testing.T) {
	arts := storyArticles()
	s := Articles(arts, Options{Sentences: 5})
	mustKeepRules(t, s, arts)
	if len(s.Points) != 5 {
		t.Fatalf("got %q", texts(s))
	}
	per := map[int]int{}
	for _, p := range s.Points {
		per[p.Story]++
	}
	if len(per) != 3 {
		t.Errorf("5 points cover %d stories, want all 3: %q", len(per), texts(s))
	}
	// Presentation groups a story's points together, stories in rank order.
	for i := 1; i < len(s.Points); i++ {
		if s.Points[i].Story < s.Points[i-1].Story {
			t.Errorf("points not grouped by story: %+v", s.Points)
		}
	}
}

func TestSingleArticleKeepsSourceOrder(t *testing.T) {
	a := art("o", "Central bank raises rates to fight inflation", "bank.example", 12,
		"The central bank raised its main interest rate by half a point to 5.25% on Thursday.",
		"Inflation reached 7.9% in February, the highest level since 1991, official figures showed.",
		"Economists at Barclays expect one more rise before the summer.",
		"Mortgage lenders including Nationwide said they would pass the rise on to borrowers next month.")
	s := Articles([]briefbot.Article{a}, Options{Sentences: 3})
	mustKeepRules(t, s, []briefbot.Article{a})
	for i := 1; i < len(s.Points); i++ {
		if s.Points[i].Paragraph < s.Points[i-1].Paragraph {
			t.Errorf("points out of source order: %+v", s.Points)
		}
	}
}

func TestWordsBudget(t *testing.T) {
	a := art("w", "Marathon record falls in Berlin", "run.example", 13,
		"Kenyan runner Eliud Kipchoge broke the marathon world record in Berlin on Sunday.", // 13 words
		"He finished in 2 hours, 1 minute and 9 seconds, half a minute faster than before.",
		"About 45,000 runners from 150 countries took part in the race through the German capital.",
		"Ethiopian Tigist Assefa won the women's race in a course record of 2:15:37.")
	words := func(s briefbot.Summary) int {
		n := 0
		for _, p := range s.Points {
			n += len(strings.Fields(p.Text))
		}
		return n
	}
	for _, budget := range []int{1, 13, 14, 30, 1000} {
		s := Articles([]briefbot.Article{a}, Options{Words: budget})
		mustKeepRules(t, s, []briefbot.Article{a})
		n := words(s)
		if len(s.Points) == 0 {
			t.Fatalf("budget %d: no points", budget)
		}
		if n < budget && len(s.Points) < 4 {
			t.Errorf("budget %d: stopped at %d words with sentences left", budget, n)
		}
		// at least the budget, but no point more than needed
		last := len(strings.Fields(s.Points[len(s.Points)-1].Text))
		if len(s.Points) > 1 && n-last >= budget {
			t.Errorf("budget %d: %d words, one point too many", budget, n)
		}
	}
	// Sentences still caps a words budget.
	if s := Articles([]briefbot.Article{a}, Options{Words: 1000, Sentences: 2}); len(s.Points) != 2 {
		t.Errorf("Sentences cap ignored: %d points", len(s.Points))
	}
}

func TestDefaultSize(t *testing.T) {
	arts := storyArticles()
	if s := Articles(arts, Options{}); len(s.Points) != DefaultSentences {
		t.Errorf("default summary has %d points, want %d", len(s.Points), DefaultSentences)
	}
}

func TestCheckCatchesBrokenRules(t *testing.T) {
	a := art("c", "T", "s", 1,
		"Parliament passed the national budget on Tuesday after a debate.",
		"But the opposition walked out before the vote.")
	ref := a.Ref()
	bad := briefbot.Summary{
		Stories: []briefbot.Story{{Title: "T", Articles: []string{"c"}}},
		Points: []briefbot.Point{
			{Article: ref, Paragraph: 2, ID: "c#2", Text: "But the opposition walked out before the vote."},
			{Article: ref, Paragraph: 1, ID: "c#1", Text: "Parliament passed the budget on Tuesday."},
			{Article: ref, Paragraph: 1, ID: "c#1", Text: "Parliament passed the budget on Tuesday night."},
			{Article: ref, Paragraph: 1, ID: "c#1", Text: "Not in the article at all.", Story: 3},
		},
	}
	got := strings.Join(Check(bad, []briefbot.Article{a}), "\n")
	for _, want := range []string{"leans on the sentence before", "share", "is not a sentence of its paragraph", "names story 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("Check missed %q; said:\n%s", want, got)
		}
	}
}

func sorted(xs []string) []string {
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if xs[j] < xs[i] {
				xs[i], xs[j] = xs[j], xs[i]
			}
		}
	}
	return xs
}

func TestDeterministic(t *testing.T) {
	arts := storyArticles()
	first := Articles(arts, Options{Sentences: 5})
	for i := 0; i < 20; i++ {
		if again := Articles(arts, Options{Sentences: 5}); !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%+v\n%+v", i, first, again)
		}
	}
}

// TestLabelJoin: a scraped link caption glued to its text by a colon, with
// a plain or a curly opening quote after it, is furniture; a colon
// followed by a space, or between digits, is not.
func TestLabelJoin(t *testing.T) {
	for s, want := range map[string]bool{
		"More:Pythons invade the Everglades.":   true,
		"wildfires?:Sprinklers on every roof.":  true,
		`More:"Pythons invade" the Everglades.`: true,
		"More:“Pythons invade” the Everglades.": true,
		"He said: the plan is ready.":           false,
		"The train left at 10:30 on Monday.":    false,
	} {
		if got := labelJoin(s); got != want {
			t.Errorf("labelJoin(%q) = %v, want %v", s, got, want)
		}
	}
}
