package bot

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/internal/natstest"
	"github.com/briefbot/briefbot/replica"
)

// replicaClaims adapts replica.Claims to PostClaims, as cmd does.
type replicaClaims struct{ c *replica.Claims }

func (r replicaClaims) Claim(ctx context.Context, key, nonce string) (ClaimResult, error) {
	res, err := r.c.Claim(ctx, key, nonce)
	return ClaimResult{Granted: res.Granted, PrevNonce: res.PrevNonce, Done: res.Done, Outcome: res.Outcome, Holder: res.Holder}, err
}

func (r replicaClaims) Done(ctx context.Context, key, outcome string) error {
	return r.c.Done(ctx, key, outcome)
}

// sharedClock is the one time of every replica in a test; each replica
// arms its timers on its own replicaClock, so the test knows when all of
// them are waiting.
type sharedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *sharedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *sharedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

type replicaClock struct {
	*sharedClock
	armed chan fakeTimer
}

func (c *replicaClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	ft := fakeTimer{at: c.Now().Add(d), c: make(chan time.Time, 1), stopped: new(atomic.Bool)}
	c.armed <- ft
	return ft.c, func() bool { return !ft.stopped.Swap(true) }
}

// dailyReplica is one briefbot process: its own state directory, Discord
// session and claims client, the shared NATS and fake Discord.
type dailyReplica struct {
	clock  *replicaClock
	store  *BriefingStore
	sch    *dailyScheduler
	cancel context.CancelFunc
	done   chan struct{}
}

const (
	replicaGuildA, replicaChanA = "100000000000000001", "500000000000000001"
	replicaGuildB, replicaChanB = "100000000000000002", "500000000000000002"
	replicaStale                = 10 * time.Minute
)

// startDailyReplicas starts n schedulers with two servers' briefings (A at
// 08:00, B at 02:30, a time the spring-forward day does not have), all in
// Europe/Berlin, sharing clock, fake and one claims bucket on js; posts
// notes when each post went out.
func startDailyReplicas(t *testing.T, n int, clock *sharedClock, fake *discordtest.Server, js jetstream.JetStream, loc *time.Location, posts *postLog) []*dailyReplica {
	t.Helper()
	var out []*dailyReplica
	for i := range n {
		store, err := NewBriefingStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []struct{ guild, ch, at string }{{replicaGuildA, replicaChanA, "08:00"}, {replicaGuildB, replicaChanB, "02:30"}} {
			if err := store.set(g.guild, BriefingSetting{Channel: g.ch, At: g.at, Zone: loc.String()}); err != nil {
				t.Fatal(err)
			}
		}
		<-store.wake // the settings are in before the start: no wake-up to race with
		s, err := NewSession("test-token", fake.URL)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := replica.NewClaims(context.Background(), js, fmt.Sprintf("replica-%d", i), 1, replicaStale, replica.KVClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		rc := &replicaClock{sharedClock: clock, armed: make(chan fakeTimer, 1)}
		p := clockedPoster{poster: &channelPoster{s: s, log: testLogger(t), backoff: 10 * time.Millisecond}, clock: clock, log: posts}
		sch := newDailyScheduler(rc, store, p, &dayMessenger{loc: loc}, testLogger(t))
		sch.claims = replicaClaims{claims}
		out = append(out, &dailyReplica{clock: rc, store: store, sch: sch, done: make(chan struct{})})
	}
	return out
}

// runReplicas runs every replica's scheduler until the shared clock reaches
// end: whenever all live replicas wait on a timer, the clock moves to the
// earliest and every timer due then fires at once, so replicas with the
// same post time race for real. A replica whose scheduler stops on its own
// (a crash hook) is dead from then on. at, when set, runs each time the
// clock has moved and before the timers due then fire, while every live
// replica waits: the place for a test to change the world (an outage).
func runReplicas(t *testing.T, clock *sharedClock, rs []*dailyReplica, end time.Time, at func(now time.Time)) {
	t.Helper()
	for _, r := range rs {
		ctx, cancel := context.WithCancel(context.Background())
		r.cancel = cancel
		go func() { defer close(r.done); r.sch.run(ctx) }()
	}
	defer stopReplicas(rs)
	pending := make([]*fakeTimer, len(rs))
	for {
		for i, r := range rs {
			for pending[i] == nil || pending[i].stopped.Load() {
				select {
				case ft := <-r.clock.armed:
					pending[i] = &ft
				case <-r.done:
					pending[i] = &fakeTimer{at: end.Add(time.Hour), stopped: new(atomic.Bool)} // dead: never fires
				case <-time.After(10 * time.Second):
					t.Fatalf("replica %d armed no timer (clock at %s)", i, clock.Now())
				}
			}
		}
		first := pending[0].at
		for _, p := range pending {
			if p.at.Before(first) {
				first = p.at
			}
		}
		if first.After(end) {
			clock.set(end)
			return
		}
		clock.set(first)
		if at != nil {
			at(first)
		}
		for i, p := range pending {
			if !p.at.After(first) {
				p.c <- first
				pending[i] = nil
			}
		}
	}
}

func stopReplicas(rs []*dailyReplica) {
	for _, r := range rs {
		r.cancel()
		for stopped := false; !stopped; {
			select {
			case <-r.done:
				stopped = true
			case <-r.clock.armed: // the scheduler may be arming one last timer
			}
		}
	}
}

func replicaJS(t *testing.T) jetstream.JetStream { return natstest.Single(t).JetStream(t) }

// checkOnePostPerDay checks that each channel got exactly one POST (not
// merely one stored message: the fake, like Discord, drops a repeat nonce
// within minutes, which must not be what saves us) for each of days, in
// order, and that every live replica recorded the last day as settled.
func checkOnePostPerDay(t *testing.T, fake *discordtest.Server, rs []*dailyReplica, days []string) {
	t.Helper()
	for _, ch := range []string{replicaChanA, replicaChanB} {
		posts := fake.Find("POST", `/api/v9/channels/`+ch+`/messages`)
		msgs := fake.Messages(ch)
		var got []string
		for _, m := range msgs {
			got = append(got, m.Content)
		}
		var want []string
		for _, d := range days {
			want = append(want, "Daily briefing "+d)
		}
		if len(posts) != len(days) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("channel %s: %d POSTs, messages %q; want one POST for each of %v", ch, len(posts), got, days)
		}
	}
	last := days[len(days)-1]
	for i, r := range rs {
		for _, g := range []string{replicaGuildA, replicaGuildB} {
			if st := r.store.state(g); st.LastDay != last || st.Outcome != "posted" {
				t.Errorf("replica %d, server %s: state %+v, want %s posted", i, g, st, last)
			}
		}
	}
}

// Three replicas racing for a week that crosses a daylight-saving change:
// one post per server and local day, from whichever replica claimed it.
func TestDailyReplicasOnePostPerServerAndDay(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	for _, tc := range []struct {
		name       string
		start, end time.Time
		days       []string
	}{
		{"spring forward", time.Date(2026, 3, 26, 0, 15, 0, 0, loc), time.Date(2026, 4, 1, 23, 0, 0, 0, loc),
			[]string{"2026-03-26", "2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31", "2026-04-01"}},
		{"fall back", time.Date(2026, 10, 22, 0, 15, 0, 0, loc), time.Date(2026, 10, 28, 23, 0, 0, 0, loc),
			[]string{"2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27", "2026-10-28"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := replicaJS(t) // its own bucket: no claim of another subtest's
			fake := discordtest.New(t)
			clock := &sharedClock{now: tc.start}
			rs := startDailyReplicas(t, 3, clock, fake, js, loc, &postLog{at: map[string][]time.Time{}})
			runReplicas(t, clock, rs, tc.end, nil)
			checkOnePostPerDay(t, fake, rs, tc.days)
		})
	}
}

// The replica granted the first claim dies, between the claim and the post
// (or between the post and marking it done): another takes the claim over
// after the stale timeout, looks in the channel for the dead one's post,
// and posts only when it is not there. Exactly one post every day.
func TestDailyReplicasClaimerDies(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	for _, tc := range []struct {
		name string
		at   func(r *dailyReplica, hook func())
	}{
		{"between claim and post", func(r *dailyReplica, hook func()) { r.sch.afterClaim = hook }},
		{"between post and done", func(r *dailyReplica, hook func()) { r.sch.afterPost = hook }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Its own bucket: both subtests claim the same servers and
			// days, and a claim the first settled would settle the
			// second's before any replica could die.
			js := replicaJS(t)
			fake := discordtest.New(t)
			clock := &sharedClock{now: time.Date(2026, 3, 28, 7, 0, 0, 0, loc)}
			posts := &postLog{at: map[string][]time.Time{}}
			rs := startDailyReplicas(t, 3, clock, fake, js, loc, posts)
			var died atomic.Int32
			died.Store(-1)
			for i, r := range rs {
				tc.at(r, func() {
					if died.CompareAndSwap(-1, int32(i)) {
						runtime.Goexit() // the process stops here: nothing after runs
					}
				})
			}
			runReplicas(t, clock, rs, time.Date(2026, 3, 30, 23, 0, 0, 0, loc), nil)
			d := died.Load()
			if d < 0 {
				t.Fatal("no replica died")
			}
			live := append(append([]*dailyReplica(nil), rs[:d]...), rs[d+1:]...)
			checkOnePostPerDay(t, fake, live, []string{"2026-03-28", "2026-03-29", "2026-03-30"})
			// B's post of the 28th is due at once (started after 02:30): its
			// claimer died at 07:00; the post went out at 07:00 (it died
			// after posting) or only after the stale timeout (a takeover).
			got := posts.times(replicaChanB)
			if len(got) == 0 {
				t.Fatal("no post in channel B")
			}
			start := time.Date(2026, 3, 28, 7, 0, 0, 0, loc)
			wantTakeover := tc.name == "between claim and post"
			if tookOver := !got[0].Before(start.Add(replicaStale)); tookOver != wantTakeover {
				t.Errorf("channel B's first post at %s; want a takeover after the stale timeout: %v", got[0].In(loc), wantTakeover)
			}
		})
	}
}

// clockedPoster notes, on the shared clock, when each post went out.
type clockedPoster struct {
	poster
	clock *sharedClock
	log   *postLog
}

type postLog struct {
	mu sync.Mutex
	at map[string][]time.Time // channel → post times
}

func (p clockedPoster) post(ctx context.Context, ch string, msg *discordgo.MessageSend, nonce string) error {
	err := p.poster.post(ctx, ch, msg, nonce)
	if err == nil {
		p.log.mu.Lock()
		p.log.at[ch] = append(p.log.at[ch], p.clock.Now())
		p.log.mu.Unlock()
	}
	return err
}

func (l *postLog) times(ch string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.at[ch]...)
}
