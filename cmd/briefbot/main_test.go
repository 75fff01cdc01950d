package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/briefbot/briefbot/index"
)

// runCmd runs the binary's main logic in-process with a controlled
// environment (no real variables leak in) and returns its exit status and
// output.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if vars == nil {
		vars = map[string]string{}
	}
	if _, ok := vars["HOME"]; !ok {
		vars["HOME"] = t.TempDir() // no index at the default place: the sample is used
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(k string) string { return vars[k] })
	return code, out.String(), errOut.String()
}

func TestAskAnswersFromTheBundledSample(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "ask", "How many North Korean soldiers are in Russia's Kursk region?")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	first, _, _ := strings.Cut(out, "\n\n")
	if !strings.HasPrefix(first, "[1] ") || !strings.Contains(first, "11,000") {
		t.Fatalf("first passage does not state the 11,000 estimate:\n%s", out)
	}
	if !strings.Contains(first, "**") || !strings.Contains(first, "— North Korean troops in Kursk raise the stakes of Russia's war · Maya Okonkwo · 2024-11-21 · ¶") {
		t.Errorf("first passage lacks the emphasised answer or the citation line:\n%s", first)
	}
	if !strings.Contains(errOut, "bundled sample") {
		t.Errorf("stderr does not say the sample is used: %q", errOut)
	}
}

func TestAskJSONShape(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "ask", "--json", "-k", "2", "ATACMS", "Bryansk")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var got struct {
		Query   string `json:"query"`
		Total   int    `json:"total"`
		Results []struct {
			ID      string `json:"id"`
			Article struct {
				ID, Title, Author, Source, URL string
				Published                      *string
			} `json:"article"`
			Paragraph int     `json:"paragraph"`
			Text      string  `json:"text"`
			Answer    string  `json:"answer"`
			Score     float64 `json:"score"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Query != "ATACMS Bryansk" || got.Total == 0 || len(got.Results) == 0 || len(got.Results) > 2 {
		t.Fatalf("unexpected result: %+v", got)
	}
	r := got.Results[0]
	if r.Article.ID != "atacms-decision" || r.Article.Published == nil || *r.Article.Published != "2024-11-19" {
		t.Errorf("first result is not the ATACMS article with its date: %+v", r.Article)
	}
	if r.ID != r.Article.ID+"#"+itoa(r.Paragraph) || !(strings.Contains(r.Text, "ATACMS") || strings.Contains(r.Text, "Bryansk")) || !strings.Contains(r.Text, r.Answer) {
		t.Errorf("inconsistent result: %+v", r)
	}
}

func TestNothingMatchesIsNotAnError(t *testing.T) {
	code, out, _ := runCmd(t, nil, "ask", "zzyzx quaternion marmalade")
	if code != exitOK || !strings.Contains(strings.ToLower(out), "no passage") {
		t.Fatalf("exit %d, out %q: want 0 and a plain 'no passage' message", code, out)
	}
}

// TestMisspelledWordsAreNamed: "Korean" misspelled still finds it, and both
// output forms say it was respelled.
func TestMisspelledWordsAreNamed(t *testing.T) {
	for _, cmd := range []string{"ask", "search"} {
		code, out, errOut := runCmd(t, nil, cmd, "--json", "Koraen")
		var got resultsJSON
		if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
			t.Fatalf("%s: exit %d, %v: %s", cmd, code, err, errOut)
		}
		if got.Total == 0 || !slices.Equal(got.Respelled, []string{"Koraen"}) || !strings.Contains(got.Results[0].Text, "Korean") {
			t.Errorf("%s --json Koraen: %d results, respelled %q", cmd, got.Total, got.Respelled)
		}
		code, out, _ = runCmd(t, nil, cmd, "Koraen")
		if code != exitOK || !strings.HasPrefix(out, `No paragraph has "Koraen": looked for its nearest spelling.`) {
			t.Errorf("%s Koraen: exit %d, %q", cmd, code, out)
		}
	}
}

func TestSearchWithFiltersAndPaging(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "search", "--json", "--source", "Asia Briefing Sample", "North", "Korean")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got resultsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total == 0 {
		t.Fatalf("no results: %s", out)
	}
	for _, r := range got.Results {
		if r.Article.Source != "Asia Briefing Sample" {
			t.Errorf("source filter ignored: %+v", r.Article)
		}
		if len(r.Highlights) == 0 || !strings.Contains(strings.Join(r.Highlights, " "), "«") {
			t.Errorf("no highlighted fragment: %+v", r)
		}
	}
	code, out, _ = runCmd(t, nil, "search", "--page", "99", "Kursk")
	if code != exitOK || !strings.Contains(out, "past the last page") {
		t.Errorf("page past the end: exit %d, %q", code, out)
	}
}

func TestSummaryOfASampleDay(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "summary", "--date", "2024-11-19", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got summaryJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Points) == 0 {
		t.Fatalf("no points for a day with two sample articles: %s", out)
	}
	for _, p := range got.Points {
		if p.Article.Published == nil || *p.Article.Published != "2024-11-19" {
			t.Errorf("point from another day: %+v", p)
		}
	}
}

func TestExitStatuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, exitUsage},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"ask"}, exitUsage},
		{[]string{"ask", "-k", "0", "x"}, exitUsage},
		{[]string{"search", "--since", "2024-02-30", "x"}, exitUsage},
		{[]string{"summary", "--date", "yesterday"}, exitUsage},
		{[]string{"summary", "--tz", "Mars/Olympus", "--date", "2024-11-19"}, exitUsage},
		{[]string{"ingest"}, exitUsage},
		{[]string{"ask", "--index", "/nonexistent/briefbot-index", "x"}, exitFail},
		{[]string{"help"}, exitOK},
		{[]string{"ask", "-h"}, exitOK},
	} {
		code, _, errOut := runCmd(t, nil, tc.args...)
		if code != tc.want {
			t.Errorf("briefbot %v: exit %d, want %d (stderr %q)", tc.args, code, tc.want, errOut)
		}
		if code != exitOK && (strings.Count(strings.TrimSpace(errOut), "\n") > 0 || errOut == "") && tc.args != nil {
			t.Errorf("briefbot %v: want one line on stderr, got %q", tc.args, errOut)
		}
	}
}

// TestFlagErrorsAndHelp: -h prints a command's usage once, on stdout; a
// mistyped flag gets one line naming it and pointing to -h, not the usage.
func TestFlagErrorsAndHelp(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "ask", "-h")
	if code != exitOK || strings.Count(out, "Usage: briefbot ask") != 1 || errOut != "" {
		t.Errorf("ask -h: exit %d, usage printed %d times, stderr %q", code, strings.Count(out, "Usage: briefbot ask"), errOut)
	}
	code, out, errOut = runCmd(t, nil, "ask", "--bogus", "x")
	want := "briefbot ask: flag provided but not defined: -bogus (see 'briefbot ask -h')\n"
	if code != exitUsage || errOut != want || out != "" {
		t.Errorf("ask --bogus: exit %d, stdout %q, stderr %q; want stderr %q", code, out, errOut, want)
	}
}

func TestIngestReportsAndIsIncremental(t *testing.T) {
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	// A broken file among good ones is skipped with a warning naming it.
	if err := os.WriteFile(filepath.Join(corpusDir, "broken.txt"), []byte("\x00\x01\x02binary\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	indexDir := filepath.Join(root, "index")
	code, out, errOut := runCmd(t, nil, "ingest", "--index", indexDir, "--json", corpusDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Lower-case keys, and lists as [] rather than null, like the other
	// commands' JSON.
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, out)
	}
	for _, key := range []string{"added", "updated", "removed", "unchanged", "paragraphs", "skipped", "duplicates", "warnings"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("ingest --json has no %q: %s", key, out)
		}
	}
	for _, key := range []string{"duplicates", "warnings"} {
		if _, ok := raw[key].([]any); !ok {
			t.Errorf("ingest --json %q = %v, want a list", key, raw[key])
		}
	}
	var rep struct {
		Added, Updated, Removed, Unchanged int
		Skipped                            []struct{ Path, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Added != 6 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Path, "broken.txt") {
		t.Fatalf("first ingest: %+v, want 6 added and broken.txt skipped", rep)
	}
	code, out, _ = runCmd(t, nil, "ingest", "--index", indexDir, corpusDir)
	if code != exitOK || !strings.Contains(out, "0 added, 0 updated, 0 removed, 6 unchanged") {
		t.Fatalf("second ingest should change nothing: %q", out)
	}
	// Asking the real index, with it configured through the environment.
	code, out, _ = runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "Which BRICS summit city?")
	if code != exitOK || !strings.Contains(out, "Kazan") {
		t.Fatalf("ask over the ingested index: exit %d, %q", code, out)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestIngestRebuild: --rebuild replaces the index with one built from the
// paths given, so articles only the old corpus had are gone.
func TestIngestRebuild(t *testing.T) {
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	indexDir := filepath.Join(root, "index")
	if code, _, errOut := runCmd(t, nil, "ingest", "--index", indexDir, corpusDir); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	small := filepath.Join(root, "small")
	if err := os.MkdirAll(small, 0o755); err != nil {
		t.Fatal(err)
	}
	line := `{"id":"harbour","title":"Harbour works begin","published":"2024-11-20","paragraphs":["Work on the new harbour wall began on Monday."]}` + "\n"
	if err := os.WriteFile(filepath.Join(small, "one.jsonl"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, nil, "ingest", "--index", indexDir, "--rebuild", small)
	if code != exitOK || !strings.Contains(out, "1 added, 0 updated, 0 removed, 0 unchanged") {
		t.Fatalf("rebuild: exit %d, %q %s", code, out, errOut)
	}
	code, out, _ = runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "Which BRICS summit city?")
	if code != exitOK || strings.Contains(out, "Kazan") {
		t.Fatalf("the old corpus survived the rebuild: exit %d, %q", code, out)
	}
	code, out, _ = runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "When did work on the harbour wall begin?")
	if code != exitOK || !strings.Contains(out, "harbour wall") {
		t.Fatalf("rebuilt index does not answer: exit %d, %q", code, out)
	}
}

// TestProgressBar draws the ingest bar by bytes read, so that it moves
// inside one big file, and ends at 100 % with every file counted.
func TestProgressBar(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	p.update(index.IngestProgress{Files: 0, FilesTotal: 1, Bytes: 500, BytesTotal: 1000})
	if got := out.String(); !strings.Contains(got, "[###############               ]  50%  0/1 files") {
		t.Errorf("halfway through the only file: %q", got)
	}
	p.update(index.IngestProgress{Files: 0, FilesTotal: 1, Bytes: 600, BytesTotal: 1000})
	if strings.Count(out.String(), "\r") != 1 {
		t.Errorf("redrawn within 100 ms: %q", out.String())
	}
	p.update(index.IngestProgress{Files: 1, FilesTotal: 1, Bytes: 1000, BytesTotal: 1000})
	p.finish()
	if got := out.String(); !strings.HasSuffix(got, "[##############################] 100%  1/1 files\n") {
		t.Errorf("at the end: %q", got)
	}
}

// TestCountWordsAgree: a count of one is said in the singular, in the
// ingest report and in search's result count.
func TestCountWordsAgree(t *testing.T) {
	root := t.TempDir()
	corpusDir, indexDir := filepath.Join(root, "corpus"), filepath.Join(root, "index")
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	text := "Lone report\n\nThe quokka census on Rottnest counted more animals than last year.\n"
	if err := os.WriteFile(filepath.Join(corpusDir, "one.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, nil, "ingest", "--index", indexDir, corpusDir)
	if code != exitOK || !strings.Contains(out, "(1 paragraph indexed") {
		t.Fatalf("ingest: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, nil, "search", "--index", indexDir, "quokka")
	if code != exitOK || !strings.HasPrefix(out, "1 result, showing 1–1:") {
		t.Errorf("search: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
