package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/internal/atomicfile"
	"github.com/briefbot/briefbot/internal/discordtest"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	return loc
}

func TestSlotOn(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, loc) }
	utc := func(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		day    time.Time
		hh, mm int
		want   time.Time
	}{
		{"winter", day(2026, 3, 28), 8, 0, utc(3, 28, 7, 0)},
		{"spring-forward day", day(2026, 3, 29), 8, 0, utc(3, 29, 6, 0)},
		{"summer", day(2026, 3, 30), 8, 0, utc(3, 30, 6, 0)},
		// 02:30 does not exist on 29 March: the post goes out when the gap
		// ends, 03:00 CEST (not Go's normalised 03:30).
		{"in the gap", day(2026, 3, 29), 2, 30, utc(3, 29, 1, 0)},
		{"gap start", day(2026, 3, 29), 2, 0, utc(3, 29, 1, 0)},
		{"after the gap", day(2026, 3, 29), 3, 0, utc(3, 29, 1, 0)},
		{"fall-back day", day(2026, 10, 25), 8, 0, utc(10, 25, 7, 0)},
		// 02:30 happens twice on 25 October: the first one (CEST) counts.
		{"in the overlap", day(2026, 10, 25), 2, 30, utc(10, 25, 0, 30)},
		{"overlap start", day(2026, 10, 25), 2, 0, utc(10, 25, 0, 0)},
		{"midnight", day(2026, 10, 25), 0, 0, utc(10, 24, 22, 0)},
		{"late", day(2026, 10, 25), 23, 59, utc(10, 25, 22, 59)},
	} {
		if got := slotOn(tc.day, tc.hh, tc.mm, loc); !got.Equal(tc.want) {
			t.Errorf("%s: slotOn(%s, %02d:%02d) = %s, want %s", tc.name, tc.day.Format(time.DateOnly), tc.hh, tc.mm, got.UTC(), tc.want)
		}
	}
}

func TestParseHHMM(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"08:00", "8:00", "23:59", "00:00", " 07:30 "} {
		if _, _, err := parseHHMM(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "8", "24:00", "12:60", "8am", "08:0", "-1:00", "08:00:00"} {
		if _, _, err := parseHHMM(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// fakeClock hands every timer the scheduler arms to the test, which moves
// the time to the timer's deadline and fires it. Nothing sleeps.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	armed chan fakeTimer
}

type fakeTimer struct {
	at      time.Time
	c       chan time.Time
	stopped *atomic.Bool
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, armed: make(chan fakeTimer, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	ft := fakeTimer{at: c.Now().Add(d), c: make(chan time.Time, 1), stopped: new(atomic.Bool)}
	c.armed <- ft
	return ft.c, func() bool { return !ft.stopped.Swap(true) }
}

// runUntil advances through the scheduler's timers until the next one is
// due after end.
func (c *fakeClock) runUntil(t *testing.T, end time.Time) {
	t.Helper()
	for {
		var ft fakeTimer
		select {
		case ft = <-c.armed:
		case <-time.After(5 * time.Second):
			t.Fatalf("scheduler armed no timer (clock at %s)", c.Now())
		}
		if ft.stopped.Load() {
			continue // stopped by the scheduler: it never fires
		}
		if ft.at.After(end) {
			// Put it back for the next runUntil.
			c.armed <- ft
			c.mu.Lock()
			c.now = end
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		if ft.at.After(c.now) {
			c.now = ft.at
		}
		now := c.now
		c.mu.Unlock()
		ft.c <- now
	}
}

// recPoster records posts; errs are returned by the first posts.
type recPoster struct {
	clock *fakeClock
	mu    sync.Mutex
	at    []time.Time
	msgs  []*discordgo.MessageSend
	errs  []error
}

func (p *recPoster) post(_ context.Context, _ string, msg *discordgo.MessageSend, nonce string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) > 0 {
		err := p.errs[0]
		p.errs = p.errs[1:]
		return err
	}
	p.at = append(p.at, p.clock.Now())
	p.msgs = append(p.msgs, msg)
	return nil
}

// findPost looks among this poster's own posts (a restarted scheduler in
// these tests has a fresh poster, so it finds nothing).
func (p *recPoster) findPost(_ context.Context, _, _, marker string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.msgs {
		if m.Content == marker {
			return true, nil
		}
	}
	return false, nil
}

func (p *recPoster) times() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at...)
}

// dayMessenger builds a message per day; days listed in empty have nothing.
type dayMessenger struct {
	loc   *time.Location
	empty map[string]bool
	mu    sync.Mutex
	calls int
}

func (m *dayMessenger) DailyMessage(_ context.Context, _ string, day time.Time) (*discordgo.MessageSend, bool, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	k := day.In(m.loc).Format(time.DateOnly)
	if m.empty[k] {
		return nil, false, nil
	}
	return &discordgo.MessageSend{Content: "Daily briefing " + k}, true, nil
}

// operatorStore is a briefing store in dir with the operator's entry only
// (its server unknown: the scheduler then summarises the shared space).
func operatorStore(t *testing.T, dir, ch, at string, loc *time.Location) *BriefingStore {
	t.Helper()
	store, err := NewBriefingStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	store.setOperator("", ch, at, loc)
	return store
}

type schedRig struct {
	clock  *fakeClock
	poster *recPoster
	msgr   *dayMessenger
	cancel context.CancelFunc
	done   chan struct{}
}

func startScheduler(t *testing.T, loc *time.Location, at, stateDir string, start time.Time, msgr *dayMessenger) *schedRig {
	t.Helper()
	clock := newFakeClock(start)
	if msgr == nil {
		msgr = &dayMessenger{loc: loc}
	}
	p := &recPoster{clock: clock}
	sch := newDailyScheduler(clock, operatorStore(t, stateDir, "1", at, loc), p, msgr, testLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	rig := &schedRig{clock: clock, poster: p, msgr: msgr, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(rig.done); sch.run(ctx) }()
	t.Cleanup(rig.stop)
	return rig
}

func (r *schedRig) stop() {
	r.cancel()
	for {
		select {
		case <-r.done:
			return
		case ft := <-r.clock.armed:
			_ = ft // the scheduler may be arming one last timer
		}
	}
}

func utcTimes(ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.UTC().Format(time.RFC3339))
	}
	return out
}

func TestDailyExactlyOncePerDayAcrossDST(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	for _, tc := range []struct {
		name       string
		at         string
		start, end time.Time
		want       []string // UTC instants of the posts
	}{
		{"spring forward 08:00", "08:00",
			time.Date(2026, 3, 28, 0, 30, 0, 0, loc), time.Date(2026, 3, 31, 0, 0, 0, 0, loc),
			[]string{"2026-03-28T07:00:00Z", "2026-03-29T06:00:00Z", "2026-03-30T06:00:00Z"}},
		{"spring forward, time in the gap", "02:30",
			time.Date(2026, 3, 28, 0, 30, 0, 0, loc), time.Date(2026, 3, 31, 0, 0, 0, 0, loc),
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"fall back 08:00", "08:00",
			time.Date(2026, 10, 24, 0, 30, 0, 0, loc), time.Date(2026, 10, 27, 0, 0, 0, 0, loc),
			[]string{"2026-10-24T06:00:00Z", "2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z"}},
		{"fall back, time in the overlap", "02:30",
			time.Date(2026, 10, 24, 0, 30, 0, 0, loc), time.Date(2026, 10, 27, 0, 0, 0, 0, loc),
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := startScheduler(t, loc, tc.at, t.TempDir(), tc.start, nil)
			rig.clock.runUntil(t, tc.end)
			rig.stop()
			got := utcTimes(rig.poster.times())
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("posts at %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDailyRestartAfterPostDoesNotRepeat(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	dir := t.TempDir()
	// First run: posts at 08:00 on the spring-forward day.
	a := startScheduler(t, loc, "08:00", dir, time.Date(2026, 3, 29, 7, 0, 0, 0, loc), nil)
	a.clock.runUntil(t, time.Date(2026, 3, 29, 9, 0, 0, 0, loc))
	a.stop()
	if n := len(a.poster.times()); n != 1 {
		t.Fatalf("first run posted %d times, want 1", n)
	}
	// Restarted at 09:30 the same day: nothing; the next day at 08:00: one.
	b := startScheduler(t, loc, "08:00", dir, time.Date(2026, 3, 29, 9, 30, 0, 0, loc), nil)
	b.clock.runUntil(t, time.Date(2026, 3, 30, 7, 59, 0, 0, loc))
	if n := len(b.poster.times()); n != 0 {
		t.Fatalf("restart posted %d times the same day", n)
	}
	b.clock.runUntil(t, time.Date(2026, 3, 30, 12, 0, 0, 0, loc))
	b.stop()
	if got := utcTimes(b.poster.times()); len(got) != 1 || got[0] != "2026-03-30T06:00:00Z" {
		t.Errorf("next day posts %v, want [2026-03-30T06:00:00Z]", got)
	}
	// The state file is plain JSON naming the day, with no temp file left.
	b2, err := os.ReadFile(filepath.Join(dir, dailyStateFile))
	if err != nil || !strings.Contains(string(b2), `"last_day": "2026-03-30"`) {
		t.Errorf("state file %s, %v", b2, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestDailyCatchUpSameDayOnly(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	dir := t.TempDir()
	if err := atomicfile.WriteJSON(filepath.Join(dir, dailyStateFile), dailyState{LastDay: "2026-10-22"}); err != nil {
		t.Fatal(err)
	}
	// Down at 08:00 on the 23rd; started at 10:00: posted at once (catch-up).
	a := startScheduler(t, loc, "08:00", dir, time.Date(2026, 10, 23, 10, 0, 0, 0, loc), nil)
	a.clock.runUntil(t, time.Date(2026, 10, 23, 23, 0, 0, 0, loc))
	a.stop()
	if got := utcTimes(a.poster.times()); len(got) != 1 || got[0] != "2026-10-23T08:00:00Z" {
		t.Errorf("catch-up posts %v, want one at start (2026-10-23T08:00:00Z)", got)
	}
	// Down all of the 24th; started at 07:00 on the 25th: the 24th is never
	// posted late, the 25th at 08:00 CET.
	b := startScheduler(t, loc, "08:00", dir, time.Date(2026, 10, 25, 7, 0, 0, 0, loc), nil)
	b.clock.runUntil(t, time.Date(2026, 10, 25, 12, 0, 0, 0, loc))
	b.stop()
	if got := utcTimes(b.poster.times()); len(got) != 1 || got[0] != "2026-10-25T07:00:00Z" {
		t.Errorf("posts %v, want [2026-10-25T07:00:00Z]", got)
	}
}

func TestDailyNothingToPost(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	m := &dayMessenger{loc: loc, empty: map[string]bool{"2026-03-29": true}}
	rig := startScheduler(t, loc, "08:00", t.TempDir(), time.Date(2026, 3, 29, 7, 0, 0, 0, loc), m)
	rig.clock.runUntil(t, time.Date(2026, 3, 30, 7, 0, 0, 0, loc))
	rig.stop()
	if n := len(rig.poster.times()); n != 0 {
		t.Errorf("posted %d times on a day without articles", n)
	}
	if m.calls != 1 {
		t.Errorf("asked for the day's message %d times, want 1 (the empty day is recorded)", m.calls)
	}
}

func TestDailyRetriesAfterTransientFailure(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	rig := startScheduler(t, loc, "08:00", t.TempDir(), time.Date(2026, 3, 29, 7, 0, 0, 0, loc), nil)
	rig.poster.mu.Lock()
	rig.poster.errs = []error{errors.New("HTTP 503"), errors.New("HTTP 503")}
	rig.poster.mu.Unlock()
	rig.clock.runUntil(t, time.Date(2026, 3, 29, 23, 0, 0, 0, loc))
	rig.stop()
	got := utcTimes(rig.poster.times())
	// 08:00 CEST fails, 08:05 fails, 08:10 goes out; once.
	if len(got) != 1 || got[0] != "2026-03-29T06:10:00Z" {
		t.Errorf("posts %v, want one at 2026-03-29T06:10:00Z", got)
	}
}

// channelPoster against the fake Discord: a 429 and a 500 after which the
// message had in fact been stored are survived with exactly one message.
func TestChannelPosterNoDuplicate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		replies []discordtest.Reply
	}{
		{"429 then 500 that was processed", []discordtest.Reply{discordtest.RateLimited(0.05), {Status: 500, Body: `{"message":"oops","code":0}`, Process: true}}},
		{"500 not processed", []discordtest.Reply{discordtest.ServerError()}},
		{"502 processed", []discordtest.Reply{{Status: 502, Body: "bad gateway", Process: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := discordtest.New(t)
			const ch = "500000000000000001"
			fake.Script("POST", `/api/v9/channels/`+ch+`/messages`, tc.replies...)
			s, err := NewSession("test-token", fake.URL)
			if err != nil {
				t.Fatal(err)
			}
			p := &channelPoster{s: s, log: testLogger(t), backoff: 10 * time.Millisecond}
			msg := &discordgo.MessageSend{Content: "Daily briefing", AllowedMentions: noMentions()}
			if err := p.post(context.Background(), ch, msg, "brief-20260329"); err != nil {
				t.Fatalf("post: %v", err)
			}
			if n := len(fake.Messages(ch)); n != 1 {
				t.Errorf("%d messages in the channel, want 1", n)
			}
			posts := fake.Find("POST", `/api/v9/channels/`+ch+`/messages`)
			last := posts[len(posts)-1]
			requireNoMentions(t, last.Body)
			if !strings.Contains(string(last.Body), `"nonce":"brief-20260329"`) || !strings.Contains(string(last.Body), `"enforce_nonce":true`) {
				t.Errorf("post without nonce: %s", last.Body)
			}
		})
	}
}

// A 403 is not retried and gives the day up.
func TestChannelPosterForbidden(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	const ch = "500000000000000001"
	fake.Script("POST", `/api/v9/channels/`+ch+`/messages`, discordtest.APIError(403, 50013, "Missing Permissions"))
	s, _ := NewSession("test-token", fake.URL)
	p := &channelPoster{s: s, log: testLogger(t), backoff: 10 * time.Millisecond}
	err := p.post(context.Background(), ch, &discordgo.MessageSend{Content: "x"}, "n")
	if err == nil || !permanentPostError(err) {
		t.Fatalf("post = %v, want a permanent error", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests after a 403, want 1", n)
	}
}

// runDailyOnFake runs a scheduler that posts through channelPoster to the
// fake Discord from start until end (fake clock), with hook as its afterPost
// fault hook. A hook that calls runtime.Goexit stops the scheduler right
// there, as a crash would: nothing after the post runs.
func runDailyOnFake(t *testing.T, fake *discordtest.Server, ch, dir string, start, end time.Time, hook func()) {
	t.Helper()
	runStoreOnFake(t, fake, operatorStore(t, dir, ch, "08:00", start.Location()), start, end, hook)
}

// runStoreOnFake is runDailyOnFake over every entry of store.
func runStoreOnFake(t *testing.T, fake *discordtest.Server, store *BriefingStore, start, end time.Time, hook func()) {
	t.Helper()
	loc := start.Location()
	s, err := NewSession("test-token", fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &channelPoster{s: s, log: testLogger(t), backoff: 10 * time.Millisecond}
	clock := newFakeClock(start)
	sch := newDailyScheduler(clock, store, p, &dayMessenger{loc: loc}, testLogger(t))
	sch.afterPost = hook
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); sch.run(ctx) }()
	for {
		select {
		case <-done:
			return // crashed
		case ft := <-clock.armed:
			if ft.stopped.Load() {
				continue
			}
			if ft.at.After(end) {
				cancel()
				<-done
				return
			}
			clock.mu.Lock()
			clock.now = ft.at
			clock.mu.Unlock()
			ft.c <- ft.at
		case <-time.After(5 * time.Second):
			t.Fatalf("scheduler armed no timer (clock at %s)", clock.Now())
		}
	}
}

// A crash between the post and the state write, and a restart after
// Discord's nonce window: the restart finds the post in the channel and does
// not post again.
func TestDailyCrashBetweenPostAndRecordPostsOnce(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	fake := discordtest.New(t)
	const ch = "500000000000000001"
	dir := t.TempDir()
	crashed := false
	runDailyOnFake(t, fake, ch, dir, time.Date(2026, 3, 29, 7, 0, 0, 0, loc), time.Date(2026, 3, 29, 9, 0, 0, 0, loc),
		func() { crashed = true; runtime.Goexit() })
	if !crashed || len(fake.Messages(ch)) != 1 {
		t.Fatalf("first run: crashed %v, %d messages; want a crash after one post", crashed, len(fake.Messages(ch)))
	}
	fake.ForgetNonces()
	runDailyOnFake(t, fake, ch, dir, time.Date(2026, 3, 29, 9, 30, 0, 0, loc), time.Date(2026, 3, 29, 23, 0, 0, 0, loc), nil)
	if n := len(fake.Messages(ch)); n != 1 {
		t.Errorf("%d messages after the restart, want 1", n)
	}
	var st dailyState
	if err := readJSONFile(filepath.Join(dir, dailyStateFile), &st); err != nil || st.LastDay != "2026-03-29" || st.Outcome != "posted" {
		t.Errorf("state after the restart %+v, %v; want 2026-03-29 posted", st, err)
	}
	// The next day is posted as usual, once.
	runDailyOnFake(t, fake, ch, dir, time.Date(2026, 3, 30, 7, 0, 0, 0, loc), time.Date(2026, 3, 30, 23, 0, 0, 0, loc), nil)
	if msgs := fake.Messages(ch); len(msgs) != 2 || msgs[1].Content != "Daily briefing 2026-03-30" {
		t.Errorf("messages after the next day: %d, want 2 (the second for 2026-03-30)", len(msgs))
	}
}

// A crash after the intent is written but before the post reaches Discord:
// the restart looks, finds nothing, and posts once.
func TestDailyCrashBeforePostPostsOnRestart(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	fake := discordtest.New(t)
	const ch = "500000000000000001"
	dir := t.TempDir()
	if err := atomicfile.WriteJSON(filepath.Join(dir, dailyStateFile),
		dailyState{LastDay: "2026-03-28", Outcome: "posted", Channel: ch, Pending: "2026-03-29", Nonce: "brief-20260329"}); err != nil {
		t.Fatal(err)
	}
	runDailyOnFake(t, fake, ch, dir, time.Date(2026, 3, 29, 9, 30, 0, 0, loc), time.Date(2026, 3, 29, 23, 0, 0, 0, loc), nil)
	if n := len(fake.Messages(ch)); n != 1 {
		t.Errorf("%d messages after the restart, want 1", n)
	}
	if n := len(fake.Find("GET", `/api/v9/channels/`+ch+`/messages`)); n != 1 {
		t.Errorf("the channel was read %d times before posting, want 1", n)
	}
}

// The same crash for a server's /briefing entry, whose pending state lives
// in the settings file: the restart finds the post and does not repeat it.
func TestDailyServerEntryCrashBetweenPostAndRecordPostsOnce(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	fake := discordtest.New(t)
	const ch, guild = "500000000000000001", discordtest.DefaultGuildID
	dir := t.TempDir()
	serverStore := func() *BriefingStore {
		store, err := NewBriefingStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := store.view(guild); !ok {
			if err := store.set(guild, BriefingSetting{Channel: ch, At: "08:00", Zone: loc.String()}); err != nil {
				t.Fatal(err)
			}
		}
		return store
	}
	crashed := false
	runStoreOnFake(t, fake, serverStore(), time.Date(2026, 3, 29, 7, 0, 0, 0, loc), time.Date(2026, 3, 29, 9, 0, 0, 0, loc),
		func() { crashed = true; runtime.Goexit() })
	if !crashed || len(fake.Messages(ch)) != 1 {
		t.Fatalf("first run: crashed %v, %d messages; want a crash after one post", crashed, len(fake.Messages(ch)))
	}
	fake.ForgetNonces()
	runStoreOnFake(t, fake, serverStore(), time.Date(2026, 3, 29, 9, 30, 0, 0, loc), time.Date(2026, 3, 30, 23, 0, 0, 0, loc), nil)
	if msgs := fake.Messages(ch); len(msgs) != 2 || msgs[1].Content != "Daily briefing 2026-03-30" {
		t.Errorf("%d messages after the restart and the next day, want 2 (29 and 30 March)", len(msgs))
	}
	var disk briefingsOnDisk
	if err := readJSONFile(filepath.Join(dir, briefingsFile), &disk); err != nil || disk.Servers[guild] == nil ||
		disk.Servers[guild].State.LastDay != "2026-03-30" || disk.Servers[guild].Channel != ch {
		t.Errorf("settings file after the posts: %+v, %v", disk.Servers[guild], err)
	}
}
