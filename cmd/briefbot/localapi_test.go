package main

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/discordtest"
)

// sampleIndex ingests the bundled sample into a new index and returns its
// directory.
func sampleIndex(t *testing.T, root string) string {
	t.Helper()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	indexDir := filepath.Join(root, "index")
	if code, _, errOut := runCmd(t, nil, "ingest", "--index", indexDir, corpusDir); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	return indexDir
}

// result is one run of the command line.
type result struct {
	code           int
	stdout, stderr string
}

func runAll(t *testing.T, indexDir string, commands [][]string) []result {
	t.Helper()
	vars := map[string]string{"BRIEFBOT_INDEX": indexDir}
	var out []result
	for _, args := range commands {
		code, stdout, stderr := runCmd(t, vars, args...)
		out = append(out, result{code, stdout, stderr})
	}
	return out
}

// queries cover ask, search and summary, as text and JSON, with results
// and without.
var queries = [][]string{
	{"ask", "How many North Korean soldiers are in Russia's Kursk region?"},
	{"ask", "--json", "-k", "2", "ATACMS", "Bryansk"},
	{"ask", "Kursq soldiers"},
	{"search", "Kursk", "--page-size", "2", "--page", "2"},
	{"search", "--json", "--since", "2024-11-19", "--until", "2024-11-21", "North Korean"},
	{"search", "zebra", "giraffe"},
	{"summary", "--date", "2024-11-21", "--tz", "Europe/Berlin"},
	{"summary", "--json", "--since", "2024-11-18", "--until", "2024-11-22", "--sentences", "3"},
	{"summary", "--date", "2020-01-01"},
	{"summary", "--article", "no-such-article"},
}

// serveLikeServe opens the index as serve does (the writer) and starts its
// command line socket; stopped at the end of the test.
func serveLikeServe(t *testing.T, indexDir string) *index.Index {
	t.Helper()
	ix, err := index.Open(indexDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stop := startLocalAPI(ix, indexDir, slog.New(slog.DiscardHandler), nil)
	t.Cleanup(func() {
		stop()
		ix.Close()
	})
	return ix
}

func TestTheCommandLineWorksWhileServeRuns(t *testing.T) {
	indexDir := sampleIndex(t, t.TempDir())
	alone := runAll(t, indexDir, queries)
	serveLikeServe(t, indexDir)

	fi, err := os.Lstat(socketPath(indexDir))
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v, %v; want a socket with mode 0600", fi, err)
	}
	served := runAll(t, indexDir, queries)
	for i, args := range queries {
		if served[i] != alone[i] {
			t.Errorf("briefbot %s while serving:\n%+v\nalone:\n%+v", strings.Join(args, " "), served[i], alone[i])
		}
		if alone[i].code != exitOK || alone[i].stdout == "" {
			t.Errorf("briefbot %s: exit %d, %q: the comparison shows nothing", strings.Join(args, " "), alone[i].code, alone[i].stdout)
		}
	}
	// Usage errors are still found before anything is asked.
	if code, _, errOut := runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "-k", "0", "x"); code != exitUsage {
		t.Errorf("ask -k 0 while serving: exit %d (%s), want %d", code, errOut, exitUsage)
	}
}

// The socket is what lets the commands in: without it they find the index
// locked, as before.
func TestWithoutTheSocketTheIndexIsLocked(t *testing.T) {
	indexDir := sampleIndex(t, t.TempDir())
	ix, err := index.Open(indexDir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	code, _, errOut := runCmd(t, map[string]string{"BRIEFBOT_INDEX": indexDir}, "ask", "Kazan summit")
	if code != exitFail || !strings.Contains(errOut, "locked") {
		t.Errorf("ask with the index held and no socket: exit %d, %q; want a locked failure", code, errOut)
	}
}

func TestIngestWhileServeRunsReportsAsAlone(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root) // paths as a user types them: relative to here
	served := sampleIndex(t, filepath.Join(root, "a"))
	alone := sampleIndex(t, filepath.Join(root, "b"))
	more := "more"
	if err := os.MkdirAll(filepath.Join(more, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"sub/new.md":     "---\nid: new-article\ntitle: A new article\npublished: 2024-11-23\n---\n\nThe summit in Kazan ended with a joint statement on trade.\n",
		"sub/broken.txt": "\x00\x01\x02binary\x00",
		"notes.xyz":      "unsupported",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(more, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix := serveLikeServe(t, served)

	for _, args := range [][]string{{"ingest", "--json", "./" + more}, {"ingest", more}, {"ingest", "./" + more + "/notes.xyz", more + "/sub/"}} {
		got := runAll(t, served, [][]string{append(args, "--index", served)})[0]
		want := runAll(t, alone, [][]string{append(args, "--index", alone)})[0]
		if normalizeReport(got.stdout, served) != normalizeReport(want.stdout, alone) || got.code != want.code || got.stderr != want.stderr {
			t.Errorf("briefbot %s while serving:\n%+v\nalone:\n%+v", strings.Join(args, " "), got, want)
		}
		if !strings.Contains(want.stdout, "notes.xyz") {
			t.Errorf("the report names no skipped file, so the comparison misses paths: %s", want.stdout)
		}
	}
	// The ingest went into the index serve holds.
	ans, err := ix.Search(context.Background(), "joint statement", briefbot.SearchFilters{}, 1, 5)
	if err != nil || ans.Total == 0 {
		t.Errorf("the served index lacks the ingested article: %+v, %v", ans, err)
	}
}

// normalizeReport drops what differs between two ingests of the same
// files: the time taken and the index directory.
func normalizeReport(out, indexDir string) string {
	out = strings.ReplaceAll(out, indexDir, "INDEX")
	return regexp.MustCompile(`indexed in [0-9.]+[µnm]?s`).ReplaceAllString(out, "indexed in T")
}

func TestAStaleSocketIsIgnored(t *testing.T) {
	indexDir := sampleIndex(t, t.TempDir())
	alone := runAll(t, indexDir, queries[:1])
	// The socket of a serve that was killed: the file, with nobody listening.
	path := socketPath(indexDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if got := runAll(t, indexDir, queries[:1]); got[0] != alone[0] {
		t.Errorf("ask with a stale socket:\n%+v\nwithout:\n%+v", got[0], alone[0])
	}
	// serve, holding the lock, replaces it.
	serveLikeServe(t, indexDir)
	if got := runAll(t, indexDir, queries[:1]); got[0] != alone[0] {
		t.Errorf("ask through the socket that replaced a stale one:\n%+v\nalone:\n%+v", got[0], alone[0])
	}
}

// TestServeStartsAndRemovesTheSocket runs the real serve against the fake
// Discord: while it runs the command line asks through it, and when it
// stops the socket is gone.
func TestServeStartsAndRemovesTheSocket(t *testing.T) {
	fake := discordtest.New(t)
	root := t.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		t.Fatal(err)
	}
	indexDir := filepath.Join(root, "index")
	vars := map[string]string{
		"HOME": root, "DISCORD_TOKEN": strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID": fake.AppID,
		"DISCORD_API_BASE": fake.URL, "BRIEFBOT_INDEX": indexDir, "BRIEFBOT_CORPUS": corpusDir,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), new(syncBuffer), &stderr, func(k string) string { return vars[k] })
	}()
	fake.WaitReady(20*time.Second, 1) // connected: the index is open and ingested, the socket up
	served := runAll(t, indexDir, queries[:2])
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	if _, err := os.Lstat(socketPath(indexDir)); !os.IsNotExist(err) {
		t.Errorf("the socket is left after serve stopped: %v", err)
	}
	alone := runAll(t, indexDir, queries[:2])
	for i := range served {
		if served[i] != alone[i] {
			t.Errorf("briefbot %s while serving:\n%+v\nalone:\n%+v", strings.Join(queries[i], " "), served[i], alone[i])
		}
	}
}
