package localapi

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// fakeIndex answers with fixed values that use every field the wire must
// carry, including those JSON output leaves out (ArticleRef.Published), and
// records the arguments it was called with.
type fakeIndex struct {
	gotAsk     askRequest
	gotSearch  searchRequest
	gotSummary briefbot.SummaryRequest
	gotDays    *time.Location
	// The scopes Days and Sources were called with (an argument of their
	// own, not a field of their options).
	gotDaysScope, gotSourcesScope briefbot.Scope
	fail                          error
}

var published = time.Date(2024, 11, 21, 9, 30, 0, 0, time.UTC)

func passages() []briefbot.Passage {
	return []briefbot.Passage{{
		Article:   briefbot.ArticleRef{ID: "kursk", Title: "Kursk", Author: "Maya", Published: published, Source: "example.org", URL: "https://example.org/k"},
		Paragraph: 3, ID: "kursk#3", Text: "About 11,000 soldiers.", Answer: "About 11,000 soldiers.",
		Highlights: []string{"About \x0211,000\x03"}, Score: 1.25,
	}}
}

func (f *fakeIndex) Ask(ctx context.Context, q string, opts briefbot.AskOptions) (briefbot.Answer, error) {
	f.gotAsk = askRequest{Question: q, Opts: opts}
	return briefbot.Answer{Query: q, Passages: passages(), Articles: 7, Respelled: []string{"kursq"}}, f.fail
}

func (f *fakeIndex) Search(ctx context.Context, kw string, fl briefbot.SearchFilters, page, size int) (briefbot.SearchPage, error) {
	f.gotSearch = searchRequest{Keywords: kw, Filters: fl, Page: page, PageSize: size}
	return briefbot.SearchPage{Query: kw, Total: 12, Page: page, PageSize: size, Passages: passages(), NoMatch: briefbot.Matched}, f.fail
}

func (f *fakeIndex) Summary(ctx context.Context, req briefbot.SummaryRequest) (briefbot.Summary, error) {
	f.gotSummary = req
	return briefbot.Summary{
		Points:   []briefbot.Point{{Article: passages()[0].Article, Paragraph: 3, ID: "kursk#3", Text: "About 11,000 soldiers.", Story: 0}},
		Stories:  []briefbot.Story{{Title: "Kursk", Articles: []string{"kursk"}}},
		Articles: 1, NoMatch: briefbot.NoArticlesThen, First: req.Day, Last: req.Day, ArticleID: "x",
	}, f.fail
}

func (f *fakeIndex) Days(ctx context.Context, sc briefbot.Scope, loc *time.Location, limit int) ([]time.Time, error) {
	f.gotDays, f.gotDaysScope = loc, sc
	return []time.Time{time.Date(2024, 11, 21, 0, 0, 0, 0, loc)}, f.fail
}

func (f *fakeIndex) Sources(ctx context.Context, sc briefbot.Scope) ([]briefbot.SourceInfo, error) {
	f.gotSourcesScope = sc
	return []briefbot.SourceInfo{{Source: "example.org", Articles: 3, Latest: published}}, f.fail
}

type report struct {
	Added int
	Paths []string
	Space string
}

// ingestEcho reports what it was asked to ingest.
func ingestEcho(ctx context.Context, paths []string, space string) (any, error) {
	return report{Added: 2, Paths: paths, Space: space}, nil
}

// start serves ix on a socket in a temporary directory and dials it.
func start(t *testing.T, ix Index, ingest IngestFunc, opts ServerOptions) (*Server, *Client) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.sock")
	srv, err := Listen(path, ix, ingest, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := Dial(context.Background(), path, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func TestCallsCrossTheSocketWhole(t *testing.T) {
	ix := &fakeIndex{}
	_, c := start(t, ix, ingestEcho, ServerOptions{})
	ctx := context.Background()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}

	askOpts := briefbot.AskOptions{K: 4, AsOf: published, Source: "example.org"}
	ans, err := c.Ask(ctx, "how many?", askOpts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := (&fakeIndex{}).Ask(ctx, "how many?", askOpts)
	if !reflect.DeepEqual(ans, want) || !reflect.DeepEqual(ix.gotAsk, askRequest{"how many?", askOpts}) {
		t.Errorf("ask: got %+v (index asked %+v), want %+v", ans, ix.gotAsk, want)
	}

	filters := briefbot.SearchFilters{Source: "s", Author: "a", Since: published, Until: published.AddDate(0, 0, 1)}
	page, err := c.Search(ctx, "Kursk -Iran", filters, 2, 7)
	if err != nil {
		t.Fatal(err)
	}
	wantPage, _ := (&fakeIndex{}).Search(ctx, "Kursk -Iran", filters, 2, 7)
	if !reflect.DeepEqual(page, wantPage) || !reflect.DeepEqual(ix.gotSearch, searchRequest{"Kursk -Iran", filters, 2, 7}) {
		t.Errorf("search: got %+v (index asked %+v), want %+v", page, ix.gotSearch, wantPage)
	}

	req := briefbot.SummaryRequest{Day: time.Date(2024, 11, 21, 0, 0, 0, 0, berlin), Location: berlin, Sentences: 3}
	sum, err := c.Summary(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if ix.gotSummary.Location.String() != "Europe/Berlin" || !ix.gotSummary.Day.Equal(req.Day) || ix.gotSummary.Day.Location() != ix.gotSummary.Location || ix.gotSummary.Sentences != 3 {
		t.Errorf("summary request arrived as %+v, want %+v", ix.gotSummary, req)
	}
	wantSum, _ := (&fakeIndex{}).Summary(ctx, req)
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("summary: got %+v, want %+v", sum, wantSum)
	}

	days, err := c.Days(ctx, briefbot.Scope{}, berlin, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || !days[0].Equal(time.Date(2024, 11, 21, 0, 0, 0, 0, berlin)) || days[0].Location() != berlin || ix.gotDays.String() != "Europe/Berlin" {
		t.Errorf("days: got %v (index asked in %v)", days, ix.gotDays)
	}

	var rep report
	if err := c.Ingest(ctx, []string{"/a", "/b"}, briefbot.SharedSpace, &rep); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep, report{Added: 2, Paths: []string{"/a", "/b"}}) {
		t.Errorf("ingest report %+v", rep)
	}
}

// Every read's scope, and an ingest's space, reach the index as sent: a
// scope lost on the way would show a server's articles nowhere (or the
// shared space's only), an ingest's space would write to the shared space.
func TestScopesAndSpacesCrossTheSocket(t *testing.T) {
	ix := &fakeIndex{}
	_, c := start(t, ix, ingestEcho, ServerOptions{})
	ctx := context.Background()
	const server = "613425648685547541"
	sc := briefbot.Scope{Server: server}

	if _, err := c.Ask(ctx, "q", briefbot.AskOptions{K: 2, Scope: sc}); err != nil || ix.gotAsk.Opts.Scope != sc {
		t.Errorf("ask arrived with scope %+v (%v), want %+v", ix.gotAsk.Opts.Scope, err, sc)
	}
	if _, err := c.Search(ctx, "k", briefbot.SearchFilters{Scope: sc}, 1, 5); err != nil || ix.gotSearch.Filters.Scope != sc {
		t.Errorf("search arrived with scope %+v (%v), want %+v", ix.gotSearch.Filters.Scope, err, sc)
	}
	req := briefbot.SummaryRequest{ArticleID: "kursk", Scope: sc, Space: server}
	if _, err := c.Summary(ctx, req); err != nil || ix.gotSummary.Scope != sc || ix.gotSummary.Space != server {
		t.Errorf("summary arrived with scope %+v and space %q (%v), want %+v and %q", ix.gotSummary.Scope, ix.gotSummary.Space, err, sc, server)
	}
	if _, err := c.Days(ctx, sc, time.UTC, 1); err != nil || ix.gotDaysScope != sc {
		t.Errorf("days arrived with scope %+v (%v), want %+v", ix.gotDaysScope, err, sc)
	}
	srcs, err := c.Sources(ctx, sc)
	want := []briefbot.SourceInfo{{Source: "example.org", Articles: 3, Latest: published}}
	if err != nil || ix.gotSourcesScope != sc || len(srcs) != 1 || srcs[0].Source != want[0].Source ||
		srcs[0].Articles != want[0].Articles || !srcs[0].Latest.Equal(want[0].Latest) {
		t.Errorf("sources: %+v (%v), index asked with %+v; want %+v for %+v", srcs, err, ix.gotSourcesScope, want, sc)
	}
	// The zero scope stays zero: shared only, never widened on the way.
	if _, err := c.Sources(ctx, briefbot.Scope{}); err != nil || ix.gotSourcesScope != (briefbot.Scope{}) {
		t.Errorf("sources without a server arrived with scope %+v (%v)", ix.gotSourcesScope, err)
	}
	var rep report
	if err := c.Ingest(ctx, []string{"/a"}, server, &rep); err != nil || rep.Space != server {
		t.Errorf("ingest into %s: report %+v (%v)", server, rep, err)
	}
}

// The wire form of SummaryRequest must carry every field: one added to
// briefbot.SummaryRequest has to be added to summaryRequest too.
func TestSummaryRequestWireHasEveryField(t *testing.T) {
	if n, m := reflect.TypeFor[briefbot.SummaryRequest]().NumField(), reflect.TypeFor[summaryRequest]().NumField(); n != m {
		t.Errorf("briefbot.SummaryRequest has %d fields, its wire form %d: update toWire and fromWire", n, m)
	}
}

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func TestErrorsKeepTheirMessageAndKind(t *testing.T) {
	ix := &fakeIndex{fail: errors.New("ask: the index is broken")}
	path := filepath.Join(t.TempDir(), "cli.sock")
	isUsage := func(err error) bool { return errors.As(err, new(usageErr)) }
	srv, err := Listen(path, ix, func(context.Context, []string, string) (any, error) { return nil, usageErr{"bad path"} }, ServerOptions{IsUsage: isUsage})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := Dial(context.Background(), path, ClientOptions{UsageError: func(msg string) error { return usageErr{msg} }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Ask(context.Background(), "q", briefbot.AskOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Failure || err.Error() != "ask: the index is broken" {
		t.Errorf("ask error %#v, want a Failure with the index's message", err)
	}
	err = c.Ingest(context.Background(), []string{"/x"}, briefbot.SharedSpace, new(report))
	if ue := new(usageErr); !errors.As(err, ue) || ue.msg != "bad path" {
		t.Errorf("ingest error %#v, want the usage error", err)
	}
}

func TestSocketIsTheOwnersOnly(t *testing.T) {
	srv, _ := start(t, &fakeIndex{}, nil, ServerOptions{})
	fi, err := os.Lstat(srv.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(srv.Path()))
	if len(entries) != 1 {
		t.Errorf("the socket's directory holds %d entries, want the socket only (the private bind directory removed)", len(entries))
	}
}

func TestAStaleSocketMeansNoServerAndIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.sock")
	// A socket nobody listens on any more, as a killed server leaves it.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := Dial(context.Background(), path, ClientOptions{}); !errors.Is(err, ErrNoServer) {
		t.Fatalf("dialing a stale socket: %v, want ErrNoServer", err)
	}
	srv, err := Listen(path, &fakeIndex{}, nil, ServerOptions{})
	if err != nil {
		t.Fatalf("listening over a stale socket: %v", err)
	}
	c, err := Dial(context.Background(), path, ClientOptions{})
	if err != nil {
		t.Fatalf("dialing the new server: %v", err)
	}
	c.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket is still there after Close: %v", err)
	}
	if _, err := Dial(context.Background(), path, ClientOptions{}); !errors.Is(err, ErrNoServer) {
		t.Errorf("dialing after Close: %v, want ErrNoServer", err)
	}
}

func TestListenLeavesOtherFilesAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.sock")
	if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path, &fakeIndex{}, nil, ServerOptions{}); err == nil {
		t.Fatal("Listen replaced a regular file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "mine" {
		t.Errorf("the file was changed: %q, %v", b, err)
	}
	if _, err := Dial(context.Background(), path, ClientOptions{}); !errors.Is(err, ErrNotOwned) {
		t.Errorf("dialing a regular file: %v, want ErrNotOwned", err)
	}
}

func TestCloseCancelsAnIngestInFlight(t *testing.T) {
	started := make(chan struct{})
	ingest := func(ctx context.Context, paths []string, space string) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	srv, c := start(t, &fakeIndex{}, ingest, ServerOptions{})
	errc := make(chan error, 1)
	go func() { errc <- c.Ingest(context.Background(), []string{"/x"}, briefbot.SharedSpace, new(report)) }()
	<-started
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil {
		t.Error("an ingest cancelled by Close returned no error")
	}
}
