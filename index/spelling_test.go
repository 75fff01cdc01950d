package index

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

func TestFoldAccents(t *testing.T) {
	for in, want := range map[string]string{"josé": "jose", "maizièr": "maizier", "zürich": "zurich", "kyiv": "kyiv", "": ""} {
		if got := foldAccents(in); got != want {
			t.Errorf("foldAccents(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"gegeen", "gegeen", 0},
		{"parliment", "parliament", 1}, // insertion
		{"parliament", "parliment", 1}, // deletion
		{"kilometr", "kilomet", 1},
		{"geegen", "gegeen", 1}, // adjacent swap: one edit, not two
		{"ghandi", "gandhi", 2},
		{"maizier", "maizièr", 1}, // letters, not bytes
		{"percentag", "percent", 2},
		{"abc", "xyz", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestAskCorrectsMisspelledWords(t *testing.T) {
	ix := newTestIndex(t)
	// Each misspelled word is the one that tells two paragraphs apart; the
	// wrong one holds the question's other words more often.
	upsert(t, ix,
		art("holyrood", "bbc.co.uk", "", "2026-03-01", "Holyrood",
			"The Scottish Parliament voted on the budget on Tuesday.",
			"Ministers said the harbour at Leith would be dredged."),
		art("council", "bbc.co.uk", "", "2026-03-01", "Council",
			"The council voted on the budget on Monday; the budget vote had been delayed.",
			"Engineers said the canal at Falkirk would be dredged, and the dredged silt sold."),
		art("mongol", "bbc.co.uk", "", "2026-03-02", "Yuan",
			"Emperor Gegeen Khan ruled for two years.",
			"Emperor Ayurbarwada ruled for nine years, an emperor of the Yuan court."),
		art("mexico", "bbc.co.uk", "", "2026-03-02", "Mexico",
			"Mayor José Ortiz said the market would reopen.",
			"Deputy Ana Pérez agreed."),
		// "Peres" is one edit from "Perez" and in more paragraphs than
		// "Pérez": the accent must count for less than an edit.
		art("israel", "bbc.co.uk", "", "2026-03-02", "Israel",
			"Shimon Peres agreed to speak.", "Peres spoke.", "Peres left."),
		art("ortiz", "bbc.co.uk", "", "2026-03-02", "Ortiz",
			"Ortiz said the Ortiz family would say more."),
		art("wheat", "bbc.co.uk", "", "2026-03-03", "Wheat prices",
			"Wheat futures rose after the harvest report from Kansas."),
	)
	asOf := briefbot.AskOptions{AsOf: day("2026-03-10")}
	for _, c := range []struct{ q, word, want string }{
		{"Which day did the parliment vote on the budget?", "parliment", "holyrood#1"}, // a letter left out
		{"When was Geegen the emperor?", "Geegen", "mongol#1"},                         // two letters swapped
		{"Which harbor will be dredged?", "harbor", "holyrood#2"},                      // American spelling of a British text
		{"What did Jose Ortiz say?", "Jose", "mexico#1"},                               // a short name typed without its accent
		{"Did Perez agree?", "Perez", "mexico#2"},
	} {
		ans := ask(t, ix, c.q, asOf)
		if len(ans.Passages) == 0 || ans.Passages[0].ID != c.want {
			t.Errorf("%q: got %v, want %s first", c.q, ids(ans.Passages), c.want)
		}
		if !slices.Equal(ans.Respelled, []string{c.word}) {
			t.Errorf("%q: respelled %q, want %q", c.q, ans.Respelled, c.word)
		}
	}
	if ans := ask(t, ix, "When did Gegeen rule?", asOf); len(ans.Respelled) != 0 {
		t.Errorf("nothing to correct, but respelled %q", ans.Respelled)
	}
	// Words too short or too far from every indexed word are not guessed:
	// "whet" is one letter from "wheat", but short words have too many
	// neighbours; "bheat" would need another first letter.
	for _, q := range []string{"Who would whet?", "What about bheat?"} {
		if ans := ask(t, ix, q, asOf); len(ans.Passages) != 0 {
			t.Errorf("%q matched %v through a guessed spelling", q, ids(ans.Passages))
		}
	}
}

func TestSearchRespellsAbsentKeywords(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	none := briefbot.SearchFilters{}
	// "Crtics" is in no paragraph; "Critics" is, in budget#2 only.
	sp := srch(t, ix, "Crtics", none, 1, 5)
	if sp.Total != 1 || sp.Passages[0].ID != "budget#2" || !slices.Equal(sp.Respelled, []string{"Crtics"}) {
		t.Fatalf("Search(Crtics) = %d %v, respelled %q", sp.Total, ids(sp.Passages), sp.Respelled)
	}
	if h := sp.Passages[0].Highlights; len(h) == 0 || !strings.Contains(h[0], briefbot.HighlightStart+"Critics"+briefbot.HighlightEnd) {
		t.Errorf("the respelled word is not highlighted: %q", h)
	}
	if sp := srch(t, ix, "Crtics crtics Crtics", none, 1, 5); sp.Total != 1 || !slices.Equal(sp.Respelled, []string{"Crtics", "crtics"}) {
		t.Errorf("a word typed again is named once: %d %q", sp.Total, sp.Respelled)
	}
	// Words the corpus holds are searched as typed, exclusions and phrases
	// as typed too: an exclusion that matches nothing excludes nothing,
	// and a phrase is the user's exact wording.
	for _, q := range []string{"president", "president -Whiet", `"Whiet House"`} {
		if sp := srch(t, ix, q, none, 1, 5); len(sp.Respelled) != 0 {
			t.Errorf("Search(%q) respelled %q", q, sp.Respelled)
		}
	}
	// With no near spelling, nothing is respelled and nothing matches.
	if sp := srch(t, ix, "Zyzzyva", none, 1, 5); sp.Total != 0 || len(sp.Respelled) != 0 || sp.NoMatch == briefbot.Matched {
		t.Errorf("Search(Zyzzyva) = %+v", sp)
	}
}

// TestSpellerBudget: one question or search corrects at most spellMaxWords
// words, so that a pasted text of unknown words stays fast.
func TestSpellerBudget(t *testing.T) {
	ix := newTestIndex(t)
	upsert(t, ix, testArticles()...)
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sp := newSpeller(r, nil)
	for i := range spellMaxWords + 2 {
		got, err := sp.respell(context.Background(), "crtic")
		want := "critic"
		if i >= spellMaxWords {
			want = "crtic"
		}
		if err != nil || got != want {
			t.Errorf("correction %d: %q, %v; want %q", i+1, got, err, want)
		}
		// A word the index holds is no correction and costs nothing.
		if got, _ := sp.respell(context.Background(), "critic"); got != "critic" {
			t.Errorf("respell(critic) = %q", got)
		}
	}
}

// FuzzEditDistance checks the distance's invariants on any pair of strings:
// zero exactly for equal strings, symmetric, no more than the longer
// length, and no less than the difference of the lengths.
func FuzzEditDistance(f *testing.F) {
	f.Add("geegen", "gegeen")
	f.Add("maizière", "maiziere")
	f.Add("", "abc")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 64 || len(b) > 64 {
			return
		}
		d := editDistance(a, b)
		la, lb := len([]rune(a)), len([]rune(b))
		if (d == 0) != (string([]rune(a)) == string([]rune(b))) || d != editDistance(b, a) || d > max(la, lb) || d < max(la-lb, lb-la) {
			t.Errorf("editDistance(%q, %q) = %d (reverse %d)", a, b, d, editDistance(b, a))
		}
	})
}
