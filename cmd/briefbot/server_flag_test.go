package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two Discord servers' ids, as snowflakes.
const (
	serverA = "613425648685547541"
	serverB = "813425648685547542"
)

// aOnly are articles only server A has: their id, source, author, date and
// words appear nowhere in the bundled sample (the shared space of these
// tests), so that any of them seen elsewhere came from A's space.
var aOnly = map[string]string{
	"harbour-lights.md": `---
id: harbour-lights
title: Harbour lights festival draws record crowds to Port Ellery
author: Ilse Vandermeer
published: 2024-10-02
source: Quayside Gazette
url: https://example.org/quayside/harbour-lights
---

The harbour lights festival in Port Ellery drew a record 48,000 visitors over its three evenings, the organisers said.

Lanterns made by the town's schools lined the quay, and the ferry company ran extra boats until midnight.
`,
	"ferry-timetable.md": `---
id: ferry-timetable
title: Port Ellery ferry keeps its winter timetable
author: Ilse Vandermeer
published: 2024-10-02
source: Quayside Gazette
url: https://example.org/quayside/ferry-timetable
---

The Port Ellery ferry will keep sailing hourly through the winter, its operator said, after a campaign by the island's shopkeepers.

The crossing to Saltmarsh Point takes forty minutes and costs six pounds for foot passengers.
`,
}

// aMarkers are strings of A's articles that must not reach anyone else.
var aMarkers = []string{"harbour-lights", "ferry-timetable", "Quayside", "Vandermeer", "Ellery", "Saltmarsh", "48,000", "example.org/quayside"}

// aQuestion is a sentence copied from A's article.
const aQuestion = "The harbour lights festival in Port Ellery drew a record 48,000 visitors over its three evenings"

// writeAOnly writes A's articles into dir.
func writeAOnly(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range aOnly {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// leaks returns the markers of A's articles in out.
func leaks(out string) []string {
	var found []string
	for _, m := range aMarkers {
		if strings.Contains(out, m) {
			found = append(found, m)
		}
	}
	return found
}

// spacesIndex is the bundled sample in the shared space and A's articles in
// A's space.
func spacesIndex(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	indexDir := sampleIndex(t, root)
	aDir := filepath.Join(root, "a")
	writeAOnly(t, aDir)
	code, out, errOut := runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ingest", "--server", serverA, aDir)
	if code != exitOK || !strings.HasPrefix(out, "2 added, 0 updated, 0 removed, 0 unchanged") || !strings.Contains(out, "space of server "+serverA) {
		t.Fatalf("ingest --server: exit %d, %q, %q", code, out, errOut)
	}
	return indexDir
}

func TestServerFlagRefusesWhatIsNotAServerID(t *testing.T) {
	vars := map[string]string{"BRIEFBOT_INDEX": filepath.Join(t.TempDir(), "none")}
	for _, args := range [][]string{
		{"ingest", "--server", "abc", "."},
		{"ingest", "--server", "12345", "."},
		{"ask", "--server", "99999999999999999999", "how many?"}, // 20 digits, past 64 bits
		{"search", "--server=-613425648685547541", "Kursk"},
		{"summary", "--server", "6134256486855475x1"},
		{"sources", "--server", " 613425648685547541"},
	} {
		code, out, errOut := runCmd(t, vars, args...)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.HasPrefix(errOut, "briefbot "+args[0]+": --server \"") || !strings.Contains(errOut, "is not a Discord server id") {
			t.Errorf("briefbot %s: exit %d, stdout %q, stderr %q; want exit 2 and one line saying --server is no server id", strings.Join(args, " "), code, out, errOut)
		}
	}
	// --rebuild makes the whole index anew from the shared corpus.
	code, _, errOut := runCmd(t, vars, "ingest", "--rebuild", "--server", serverA, ".")
	if code != exitUsage || !strings.Contains(errOut, "does not go with --server") {
		t.Errorf("ingest --rebuild --server: exit %d, %q", code, errOut)
	}
}

// TestServerFlagScopesEveryQuery: with --server A the commands see A's
// articles beside the shared ones; without it, or with --server B, they
// see the shared space only, as a DM or server B would.
func TestServerFlagScopesEveryQuery(t *testing.T) {
	indexDir := spacesIndex(t)
	vars := map[string]string{"BRIEFBOT_INDEX": indexDir}
	for _, tc := range []struct {
		args []string
		want string // in A's output; never in the others'
	}{
		{[]string{"ask", aQuestion}, "48,000 visitors"},
		{[]string{"search", "--source", "Quayside Gazette", "festival"}, "Harbour lights festival"},
		{[]string{"search", "--author", "Ilse Vandermeer", "ferry"}, "Port Ellery ferry"},
		{[]string{"search", "--since", "2024-10-02", "--until", "2024-10-02", "ferry"}, "Port Ellery ferry"},
		{[]string{"summary", "--date", "2024-10-02"}, "Port Ellery"},
		{[]string{"summary", "--article", "harbour-lights"}, "48,000"},
		{[]string{"sources"}, "Quayside Gazette — 2 articles · latest 2024-10-02"},
	} {
		name := strings.Join(tc.args, " ")
		withServer := func(id string) []string {
			return append([]string{tc.args[0], "--server", id}, tc.args[1:]...)
		}
		a := runAll(t, indexDir, [][]string{withServer(serverA)})[0]
		if a.code != exitOK || !strings.Contains(a.stdout, tc.want) {
			t.Errorf("briefbot %s --server A: exit %d, %q (%s); want %q", name, a.code, a.stdout, a.stderr, tc.want)
		}
		for who, args := range map[string][]string{"no --server": tc.args, "--server B": withServer(serverB)} {
			code, out, errOut := runCmd(t, vars, args...)
			if code != exitOK || strings.Contains(out, tc.want) || len(leaks(withoutWords(out, tc.args))) > 0 {
				t.Errorf("briefbot %s with %s: exit %d, shows A's %v: %q %s", name, who, code, leaks(withoutWords(out, tc.args)), out, errOut)
			}
		}
	}
}

// withoutWords is out without the words the user typed (which a reply may
// quote back): what is left came from the index.
func withoutWords(out string, args []string) string {
	for _, a := range args {
		for _, w := range strings.Fields(a) {
			out = strings.ReplaceAll(out, w, "")
		}
	}
	return out
}

// TestAskFromElsewhereIsAsIfAHadNothing: asked without --server or with
// --server B, A's own sentence gets the answer an index without A's
// articles gives: the same passages, reason and respelled words (a word
// only A has must be respelled, as one nobody has), nothing of A.
func TestAskFromElsewhereIsAsIfAHadNothing(t *testing.T) {
	indexDir := spacesIndex(t)
	control := sampleIndex(t, t.TempDir())
	view := func(dir string, extra ...string) resultsJSON {
		args := append(append([]string{"ask", "--json"}, extra...), aQuestion)
		r := runAll(t, dir, [][]string{args})[0]
		var got resultsJSON
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v: %v: %q %s", args, err, r.stdout, r.stderr)
		}
		for i := range got.Results {
			got.Results[i].Score = 0 // term statistics are the whole index's
		}
		return got
	}
	want := view(control)
	for _, extra := range [][]string{nil, {"--server", serverB}} {
		got := view(indexDir, extra...)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("ask %v with A's sentence:\n%s\nan index without A's articles:\n%s", extra, gb, wb)
		}
		got.Query, got.Respelled = "", nil
		gb, _ = json.Marshal(got)
		if l := leaks(string(gb)); len(l) > 0 {
			t.Errorf("ask %v shows A's %v: %s", extra, l, gb)
		}
	}
}

// summary --article with --server: the server's own article, else the
// shared one of that id, as in that server; another server's never.
func TestSummaryOfOneArticleWithServer(t *testing.T) {
	indexDir := spacesIndex(t)
	r := runAll(t, indexDir, [][]string{
		{"summary", "--server", serverA, "--article", "kursk-troops"},
		{"summary", "--server", serverB, "--article", "harbour-lights"},
		{"summary", "--article", "harbour-lights"},
		{"summary", "--article", "no-such-article"},
	})
	if r[0].code != exitOK || !strings.Contains(r[0].stdout, "11,000") {
		t.Errorf("summary --server A of a shared article: %+v", r[0])
	}
	if !strings.Contains(r[3].stdout, "no-such-article") {
		t.Errorf("summary of an unknown id does not name it: %+v", r[3])
	}
	for _, got := range r[1:3] {
		if got.code != exitOK || got.stdout != strings.ReplaceAll(r[3].stdout, "no-such-article", "harbour-lights") {
			t.Errorf("A's article summarised elsewhere: %q; want the answer for an id nobody has: %q", got.stdout, r[3].stdout)
		}
	}
}

func TestServerFlagJSON(t *testing.T) {
	indexDir := spacesIndex(t)
	r := runAll(t, indexDir, [][]string{{"search", "--json", "--server", serverA, "festival"}})[0]
	var res struct {
		Results []struct {
			Article struct {
				ID    string  `json:"id"`
				Space *string `json:"space"`
			} `json:"article"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Results) == 0 {
		t.Fatalf("search --json --server A: %v: %q %s", err, r.stdout, r.stderr)
	}
	if a := res.Results[0].Article; a.ID != "harbour-lights" || a.Space == nil || *a.Space != serverA {
		t.Errorf("the first result is not A's article, marked with A's space: %+v", a)
	}
	// Shared articles carry no space, as before.
	r = runAll(t, indexDir, [][]string{{"search", "--json", "--server", serverA, "Kursk"}})[0]
	if !strings.Contains(r.stdout, `"id":"kursk-troops"`) || strings.Contains(r.stdout, `"space"`) {
		t.Errorf("a shared article's JSON: %s", r.stdout)
	}
}

func TestSourcesCommand(t *testing.T) {
	indexDir := spacesIndex(t)
	rs := runAll(t, indexDir, [][]string{
		{"sources"}, {"sources", "--json"}, {"sources", "--server", serverA, "--json"}, {"sources", "--server", serverB},
	})
	shared, sharedJSON, aJSON, b := rs[0], rs[1], rs[2], rs[3]
	first, rest, _ := strings.Cut(shared.stdout, "\n\n")
	if shared.code != exitOK || !strings.HasSuffix(first, "articles in the shared space:") || !strings.Contains(rest, "Briefbot Sample Desk — ") || !strings.Contains(rest, " · latest 2024-11-") {
		t.Errorf("sources: exit %d, %q, %s", shared.code, shared.stdout, shared.stderr)
	}
	if b.stdout != strings.Replace(shared.stdout, "the shared space:", "the shared space and server "+serverB+"'s space:", 1) {
		t.Errorf("sources --server B differs from the shared space's:\n%s\nshared:\n%s", b.stdout, shared.stdout)
	}
	type sourcesOut struct {
		Server   *string `json:"server"`
		Total    int     `json:"total"`
		Articles int     `json:"articles"`
		Sources  []struct {
			Source   string  `json:"source"`
			Articles int     `json:"articles"`
			Latest   *string `json:"latest"`
		} `json:"sources"`
	}
	var s, a sourcesOut
	if err := json.Unmarshal([]byte(sharedJSON.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(aJSON.stdout), &a); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, src := range s.Sources {
		sum += src.Articles
		if src.Source == "Quayside Gazette" {
			t.Errorf("the shared space lists A's source: %s", sharedJSON.stdout)
		}
	}
	if s.Server != nil || s.Total != len(s.Sources) || s.Total == 0 || s.Articles != sum {
		t.Errorf("sources --json: %s", sharedJSON.stdout)
	}
	if a.Server == nil || *a.Server != serverA || a.Total != s.Total+1 || a.Articles != s.Articles+2 ||
		!strings.Contains(aJSON.stdout, `{"source":"Quayside Gazette","articles":2,"latest":"2024-10-02"}`) {
		t.Errorf("sources --server A --json: %s (shared: %s)", aJSON.stdout, sharedJSON.stdout)
	}
	// An empty index: a sentence, not a header over nothing.
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runAll(t, filepath.Join(t.TempDir(), "ix"), [][]string{{"ingest", empty}, {"sources", "--server", serverA}, {"sources", "--json"}})
	if r[1].code != exitOK || r[1].stdout != "No articles in the shared space and server "+serverA+"'s space yet.\n" ||
		strings.TrimSpace(r[2].stdout) != `{"total":0,"articles":0,"sources":[]}` {
		t.Errorf("sources of an empty index: %+v", r)
	}
}

// TestIngestIntoAServerOfASharedFile: --server on a file the shared space
// holds ingests it into the server's space as a second copy, and the
// report says so, as text and as JSON.
func TestIngestIntoAServerOfASharedFile(t *testing.T) {
	root := t.TempDir()
	indexDir := sampleIndex(t, root)
	file := filepath.Join(root, "corpus", "kursk-troops.txt")
	r := runAll(t, indexDir, [][]string{
		{"ingest", "--server", serverA, file},
		{"ingest", "--server", serverB, "--json", file},
		{"ask", "--json", "--server", serverA, "How many North Korean soldiers are in Russia's Kursk region?"},
		{"sources", "--json"},
	})
	if r[0].code != exitOK || !strings.HasPrefix(r[0].stdout, "1 added,") ||
		!strings.Contains(r[0].stdout, "\n1 article is also in the shared space: the server now has its own copy\n") ||
		strings.Contains(r[0].stdout, "duplicate:") { // the copy is no duplicate to warn of
		t.Errorf("ingest --server of a shared file: exit %d, %q, %s", r[0].code, r[0].stdout, r[0].stderr)
	}
	var rep ingestJSON
	if err := json.Unmarshal([]byte(r[1].stdout), &rep); err != nil || rep.Added != 1 || rep.AlsoShared != 1 || rep.Space != serverB {
		t.Errorf("ingest --server --json of a shared file: %q (%v)", r[1].stdout, err)
	}
	// The shared space still has its one copy.
	if !strings.Contains(r[3].stdout, `"articles":`) || strings.Count(r[2].stdout, `"id":"kursk-troops"`) == 0 {
		t.Errorf("after two server copies: ask %s, sources %s", r[2].stdout, r[3].stdout)
	}
	if line := alsoSharedLine(3); line != "3 articles are also in the shared space: the server now has its own copies" {
		t.Errorf("alsoSharedLine(3) = %q", line)
	}
}

// TestServerFlagWhileServeRuns: through serve's socket, --server reads and
// writes the same spaces as on an index opened here.
func TestServerFlagWhileServeRuns(t *testing.T) {
	indexDir := spacesIndex(t)
	commands := [][]string{
		{"ask", "--server", serverA, aQuestion},
		{"ask", "--server", serverB, "--json", aQuestion},
		{"search", "--server", serverA, "--source", "Quayside Gazette", "festival"},
		{"search", "--source", "Quayside Gazette", "festival"},
		{"summary", "--server", serverA, "--date", "2024-10-02", "--json"},
		{"summary", "--date", "2024-10-02"},
		{"summary", "--server", serverA, "--article", "ferry-timetable"},
		{"sources", "--server", serverA},
		{"sources", "--json"},
	}
	alone := runAll(t, indexDir, commands)
	serveLikeServe(t, indexDir)
	served := runAll(t, indexDir, commands)
	for i, args := range commands {
		if served[i] != alone[i] {
			t.Errorf("briefbot %s while serving:\n%+v\nalone:\n%+v", strings.Join(args, " "), served[i], alone[i])
		}
	}
	// An ingest into B's space through the socket goes into B's space.
	bDir := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(bDir, 0o755); err != nil {
		t.Fatal(err)
	}
	note := "---\nid: b-note\ntitle: Allotment society elects a chair\nsource: Fenwick Courier\npublished: 2024-09-12\n---\n\nThe Fenwick allotment society elected a new chair on Thursday.\n"
	if err := os.WriteFile(filepath.Join(bDir, "b.md"), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runAll(t, indexDir, [][]string{
		{"ingest", "--server", serverB, bDir}, {"sources", "--server", serverB}, {"sources", "--server", serverA},
	})
	if r[0].code != exitOK || !strings.Contains(r[0].stdout, "space of server "+serverB) ||
		!strings.Contains(r[1].stdout, "Fenwick Courier — 1 article") || strings.Contains(r[2].stdout, "Fenwick") {
		t.Errorf("ingest --server B while serving: %+v", r)
	}
}
