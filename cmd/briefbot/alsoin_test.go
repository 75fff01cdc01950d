package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The wire story below, in three outlets' copies (written for this test),
// and two unrelated articles of the same day. Each copy has its own
// headline and link; the second adds a dateline, the third a closing
// paragraph of its own, as outlets do with a wire story.
var wireStory = []string{
	"Engineers reopened the Saltmarsh Bridge over the river Velm on Tuesday morning, ending a closure that had forced commuters into a forty minute detour through the old mill district for more than a year.",
	"The bridge had been shut for fourteen months after inspectors found corrosion in two of its steel cables during a routine survey, the regional transport office said in a statement.",
	"Repairs cost 38 million euros, about a third more than first planned, because replacement cables had to be made to order at a foundry in the north of the country.",
	"Traffic on the bridge will be limited to two lanes until the end of the month while crews finish resurfacing the approach roads on both banks of the river.",
	"Local shop owners, many of whom said trade had fallen by half during the closure, gathered at the eastern end of the bridge to watch the first buses cross.",
}

// alsoInCorpus writes the corpus as JSON Lines and returns its path.
func alsoInCorpus(t *testing.T) string {
	t.Helper()
	type art struct {
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Published  string   `json:"published"`
		Source     string   `json:"source"`
		URL        string   `json:"url"`
		Paragraphs []string `json:"paragraphs"`
	}
	dated := append([]string{}, wireStory...)
	dated[0] = "VELMORA (Wire) — " + dated[0]
	extra := append(append([]string{}, wireStory...), "The Northern Ledger will publish a map of the new bus routes in Thursday's edition.")
	arts := []art{
		{"gazette-bridge", "Saltmarsh Bridge reopens after fourteen months", "2026-11-03", "Harbour Gazette", "https://gazette.example/bridge-reopens", wireStory},
		{"courier-bridge", "Commuters cheer as Velm bridge reopens", "2026-11-03", "Valley Courier", "https://courier.example/news/velm-bridge", dated},
		{"ledger-bridge", "Bridge over the Velm open again after cable repairs", "2026-11-03", "Northern Ledger", "https://ledger.example/2026/11/03/bridge", extra},
		{"orchard-festival", "Orchard festival draws record crowds", "2026-11-03", "Valley Courier", "https://courier.example/news/orchard", []string{
			"The autumn orchard festival in Lindholm drew more than twelve thousand visitors over the weekend, organisers said, the most since it began in 1987.",
			"Growers sold out of three heritage apple varieties by Saturday afternoon, and a cider press demonstration had to be repeated four times.",
		}},
		{"library-hours", "City library extends its evening hours", "2026-11-03", "Harbour Gazette", "https://gazette.example/library-hours", []string{
			"The central library will stay open until nine in the evening on weekdays from December, the city council decided after a petition signed by students.",
			"The longer hours will be paid for by closing the reading room on Sunday mornings, when it has the fewest visitors.",
		}},
	}
	var b strings.Builder
	for _, a := range arts {
		line, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "articles.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ingestAlsoIn ingests the corpus into a new index and checks that ingest
// counts the two later copies.
func ingestAlsoIn(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{"BRIEFBOT_INDEX": filepath.Join(t.TempDir(), "index")}
	code, out, errOut := runCmd(t, vars, "ingest", "--json", alsoInCorpus(t))
	if code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	var rep ingestJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, out)
	}
	if rep.Added != 5 || rep.Copies != 2 {
		t.Fatalf("ingest added %d articles, %d copies; want 5 and 2 (the story's second and third outlets)", rep.Added, rep.Copies)
	}
	return vars
}

var outletURLs = map[string]string{
	"Harbour Gazette": "https://gazette.example/bridge-reopens",
	"Valley Courier":  "https://courier.example/news/velm-bridge",
	"Northern Ledger": "https://ledger.example/2026/11/03/bridge",
}

// TestAskShowsAStoryOnceWithItsOtherOutlets: the paragraph that answers is
// in three outlets; ask quotes it once and names the other two under it,
// linked, and --json says the same.
func TestAskShowsAStoryOnceWithItsOtherOutlets(t *testing.T) {
	vars := ingestAlsoIn(t)
	const question = "Why was the Saltmarsh Bridge shut for fourteen months?"
	const answer = "corrosion in two of its steel cables"

	code, out, errOut := runCmd(t, vars, "ask", question)
	if code != exitOK {
		t.Fatalf("ask: exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, answer); n != 1 {
		t.Fatalf("the answering paragraph is quoted %d times, want once:\n%s", n, out)
	}
	first, _, _ := strings.Cut(out, "\n\n")
	if !strings.Contains(first, answer) {
		t.Fatalf("the first passage is not the answer:\n%s", out)
	}
	lines := strings.Split(first, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "    also in: ") {
		t.Fatalf("want quote, citation and an 'also in:' line:\n%s", first)
	}
	shown := ""
	for outlet, url := range outletURLs {
		if strings.Contains(lines[1], url) {
			shown = outlet
		}
	}
	if shown == "" {
		t.Fatalf("the citation links none of the three copies: %s", lines[1])
	}
	for outlet, url := range outletURLs {
		entry := outlet + " (" + url + ")"
		if in := strings.Contains(lines[2], entry); in == (outlet == shown) {
			t.Errorf("also-in line %q: %q listed %v (the quoted copy is %s's)", lines[2], entry, in, shown)
		}
	}

	code, out, errOut = runCmd(t, vars, "ask", "--json", question)
	if code != exitOK {
		t.Fatalf("ask --json: exit %d: %s", code, errOut)
	}
	var got resultsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, out)
	}
	if len(got.Results) == 0 || !strings.Contains(got.Results[0].Text, answer) || got.Results[0].Article.Source != shown {
		t.Fatalf("--json's first result is not %s's answering paragraph: %+v", shown, got.Results)
	}
	for _, r := range got.Results[1:] {
		if strings.Contains(r.Text, answer) {
			t.Errorf("--json repeats the answer as result %s", r.ID)
		}
	}
	also := got.Results[0].AlsoIn
	if len(also) != 2 {
		t.Fatalf("--json also_in = %+v, want the two other outlets", also)
	}
	for _, c := range also {
		if c.Source == shown || outletURLs[c.Source] != c.URL || c.Paragraph != 2 || !strings.HasSuffix(c.ID, "-bridge#2") || c.Title == "" {
			t.Errorf("also_in entry %+v: want another outlet's ¶2 with its link and title", c)
		}
	}
	if got.Stories < 1 || got.Stories > len(got.Results) {
		t.Errorf("stories = %d for %d results", got.Stories, len(got.Results))
	}
}

// TestAskCountsPassagesOfOneStoryAsOneStory: with the answer and two more
// paragraphs of the same story quoted, the text says they are one story.
func TestAskCountsPassagesOfOneStoryAsOneStory(t *testing.T) {
	vars := ingestAlsoIn(t)
	code, out, errOut := runCmd(t, vars, "ask", "--json", "Saltmarsh Bridge river cables")
	if code != exitOK {
		t.Fatalf("ask --json: exit %d: %s", code, errOut)
	}
	var got resultsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) < 2 || got.Stories != 1 {
		t.Fatalf("%d results from %d stories; want several paragraphs of the one story", len(got.Results), got.Stories)
	}
	_, out, _ = runCmd(t, vars, "ask", "Saltmarsh Bridge river cables")
	want := itoa(len(got.Results)) + " passages from 1 story."
	if !strings.HasSuffix(strings.TrimSpace(out), want) {
		t.Errorf("text output does not end with %q:\n%s", want, out)
	}
	// An answer of one story per passage says nothing more.
	_, out, _ = runCmd(t, vars, "ask", "-k", "1", "orchard festival visitors")
	if strings.Contains(out, "also in:") || strings.Contains(out, " from 1 story") {
		t.Errorf("an article no other outlet carries is shown with copies:\n%s", out)
	}
}

// TestSummaryCountsTheStoryOnceWithItsOutlets: the day's briefing shows the
// story once with "(3 outlets)", and --json carries outlets 3.
func TestSummaryCountsTheStoryOnceWithItsOutlets(t *testing.T) {
	vars := ingestAlsoIn(t)
	code, out, errOut := runCmd(t, vars, "summary", "--json", "--date", "2026-11-03")
	if code != exitOK {
		t.Fatalf("summary --json: exit %d: %s", code, errOut)
	}
	var got summaryJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	bridge := -1
	for i, s := range got.Stories {
		if strings.Contains(s.Title, "ridge") {
			if bridge >= 0 {
				t.Fatalf("the bridge story is two stories: %+v", got.Stories)
			}
			bridge = i
		}
	}
	if bridge < 0 || got.Stories[bridge].Outlets != 3 {
		t.Fatalf("stories %+v: want the bridge story once, with outlets 3", got.Stories)
	}
	if !strings.Contains(out, `"outlets":3`) {
		t.Errorf("--json lacks \"outlets\":3: %s", out)
	}
	for i, s := range got.Stories {
		if i != bridge && s.Outlets != 1 {
			t.Errorf("story %q: outlets %d, want 1", s.Title, s.Outlets)
		}
	}

	_, out, _ = runCmd(t, vars, "summary", "--date", "2026-11-03")
	if want := "**" + got.Stories[bridge].Title + "** (3 outlets)\n"; !strings.Contains(out, want) {
		t.Errorf("text summary lacks %q:\n%s", want, out)
	}
	if n := strings.Count(out, "outlets)"); n != 1 {
		t.Errorf("%d stories say how many outlets carried them, want 1 (the others have one):\n%s", n, out)
	}
}
