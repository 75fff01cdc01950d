package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/discordtest"
	"github.com/briefbot/briefbot/internal/localapi"
)

// The freshness harness: the real briefbot binary, built here, subscribed
// to the live feeds with `briefbot feeds add`, then `briefbot serve` run as
// a process of its own against the fake Discord, asked for each new item's
// token on its command-line socket (what `briefbot ask` does while serve
// runs) until the item is answerable, its CPU and memory read from /proc.

// freshConfig is one run.
type freshConfig struct {
	feeds, items int
	every        time.Duration // the subscriptions' interval (feeds add --every)
	change       time.Duration // each feed gains an item this often
	duration     time.Duration // serve's run, from its start
	sample       time.Duration // /proc sampling period
	// mode says how feed i answers once subscribed; nil = all healthy.
	mode func(i int) feedMode
	// before, when set, runs after subscribing and before serve starts
	// (the CI test publishes there).
	before func(f *liveFeeds)
	// waitFor, when set, ends the run early once that many deliveries
	// (200s carrying new items) are answerable.
	waitFor int
	env     []string // more variables for the briefbot processes
	// onDeliver, when set, also hears of every delivery (another asker's).
	onDeliver func(delivery)
	// alongside, when set, runs once serve's socket answers (to start
	// more processes, or sample more); its ctx ends with the run, and
	// runFresh calls the wait it returns before stopping serve.
	alongside func(ctx context.Context, r *freshRun) (wait func())
}

// freshRun is what a run saw.
type freshRun struct {
	cfg        freshConfig
	src        *liveFeeds
	start, end time.Time // serve's start, the end of the run
	published  []*liveItem
	found      map[*liveItem]time.Time // when each item was first answerable
	askErrors  int
	samples    []procSample
	serveLog   string // serve's stderr, a file
}

// buildBriefbot builds the command into a temporary directory.
func buildBriefbot(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "briefbot")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runFresh runs serve over the live feeds for cfg.duration.
func runFresh(tb testing.TB, bin string, cfg freshConfig) *freshRun {
	tb.Helper()
	root := tb.TempDir()
	indexDir := filepath.Join(root, "index")
	fake := discordtest.New(tb)
	vars := []string{
		"HOME=" + root, "DISCORD_TOKEN=" + strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID=" + fake.AppID,
		"DISCORD_API_BASE=" + fake.URL, "BRIEFBOT_INDEX=" + indexDir,
	}
	vars = append(vars, cfg.env...)
	r := &freshRun{cfg: cfg, src: newLiveFeeds(tb, cfg.feeds, cfg.items, 14), found: map[*liveItem]time.Time{}}
	subscribe(tb, bin, root, vars, r.src.urls, cfg.every)
	for i := range cfg.feeds {
		if cfg.mode != nil {
			r.src.setMode(i, cfg.mode(i))
		}
	}
	if cfg.before != nil {
		cfg.before(r.src)
	}
	r.src.resetCounts()
	ask := newAsker(r)
	ask.want = cfg.waitFor
	r.src.setOnDeliver(func(d delivery) {
		ask.add(d)
		if cfg.onDeliver != nil {
			cfg.onDeliver(d)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.serveLog = filepath.Join(root, "serve.log")
	cmd := startServe(tb, bin, root, vars, r.serveLog)
	r.start = time.Now()
	published := make(chan struct{})
	go func() { r.publish(ctx); close(published) }()
	client := dialServe(tb, indexDir, cmd, r.serveLog)
	defer client.Close()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { ask.run(ctx, client) })
	}
	samples := make(chan []procSample, 1)
	go func() { samples <- sampleProc(ctx, cmd.Process.Pid, cfg.sample) }()
	wait := func() {}
	if cfg.alongside != nil {
		wait = cfg.alongside(ctx, r)
	}
	select {
	case <-time.After(time.Until(r.start.Add(cfg.duration))):
	case <-ask.allFound:
	}
	r.end = time.Now()
	cancel()
	wg.Wait()
	wait()
	<-published // r.published is read once publish has stopped
	r.samples = <-samples
	stopServe(tb, cmd, r.serveLog)
	r.askErrors = ask.errors
	return r
}

// publish runs the feeds' changes from serve's start, and records the
// items published.
func (r *freshRun) publish(ctx context.Context) {
	step := r.cfg.change / time.Duration(r.cfg.feeds)
	tick := time.NewTicker(step)
	defer tick.Stop()
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			it := r.src.publish(k%r.cfg.feeds, now)
			r.src.mu.Lock()
			r.published = append(r.published, it)
			r.src.mu.Unlock()
		}
	}
}

// subscribe runs `briefbot feeds add URL --every every` for each URL.
func subscribe(tb testing.TB, bin, root string, vars, urls []string, every time.Duration) {
	tb.Helper()
	for _, u := range urls {
		cmd := exec.Command(bin, "feeds", "add", u, "--every", every.String())
		cmd.Dir, cmd.Env = root, vars
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("briefbot feeds add %s: %v\n%s", u, err, out)
		}
	}
}

// startServe starts `briefbot serve`, its stderr (the log) into logPath.
func startServe(tb testing.TB, bin, root string, vars []string, logPath string) *exec.Cmd {
	tb.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(bin, "serve")
	cmd.Dir, cmd.Env, cmd.Stderr, cmd.Stdout = root, vars, logFile, logFile
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting serve: %v", err)
	}
	tb.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() //nolint:errcheck // the test failed before stopping it
			cmd.Wait()         //nolint:errcheck // killed
		}
	})
	return cmd
}

// dialServe waits for serve's command-line socket.
func dialServe(tb testing.TB, indexDir string, cmd *exec.Cmd, logPath string) *localapi.Client {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := localapi.Dial(context.Background(), socketPath(indexDir), localapi.ClientOptions{})
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			tb.Fatalf("serve's socket never answered: %v\n%s", err, tail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopServe sends SIGTERM, as an operator would, and waits for exit 0.
func stopServe(tb testing.TB, cmd *exec.Cmd, logPath string) {
	tb.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatalf("signalling serve: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Errorf("serve: %v\n%s", err, tail(logPath))
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill() //nolint:errcheck // did not stop
		<-done
		tb.Errorf("serve did not stop within 60 s of SIGTERM\n%s", tail(logPath))
	}
}

// tail is the end of a log file, for failure messages.
func tail(path string) string {
	raw, _ := os.ReadFile(path)
	return string(raw[max(0, len(raw)-4000):])
}

// asker asks serve for the tokens of the items delivered. A 200 carries
// the items new to it in one document, which the poller stores in one
// upsert; the asker asks for the first and the last of them, and takes the
// moment both are answerable as the moment all of them are (asking for
// every one of 3000 items a round would measure the asker's queue).
type asker struct {
	r        *freshRun
	mu       sync.Mutex
	pending  []*pendingAsk
	want     int // deliveries not yet found, when the CI test waits for all
	errors   int
	allFound chan struct{}
	once     sync.Once
}

type pendingAsk struct {
	d     delivery
	next  time.Time
	tries int
}

func newAsker(r *freshRun) *asker { return &asker{r: r, allFound: make(chan struct{})} }

func (a *asker) add(d delivery) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(a.pending, &pendingAsk{d: d, next: d.at})
}

// run asks until ctx ends.
func (a *asker) run(ctx context.Context, c *localapi.Client) {
	for ctx.Err() == nil {
		p := a.take()
		if p == nil {
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		ok, err := answerable(ctx, c, p.d.items[0].token)
		if ok && len(p.d.items) > 1 {
			ok, err = answerable(ctx, c, p.d.items[len(p.d.items)-1].token)
		}
		a.settle(p, ok, err, time.Now())
	}
}

// take removes the first pending delivery that is due, or returns nil.
func (a *asker) take() *pendingAsk {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for k, p := range a.pending {
		if !p.next.After(now) {
			a.pending = append(a.pending[:k], a.pending[k+1:]...)
			return p
		}
	}
	return nil
}

// settle records a found delivery, or puts it back to ask again soon
// (after 100 ms, doubling up to 2 s).
func (a *asker) settle(p *pendingAsk, ok bool, err error, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		if a.errors++; a.errors == 1 {
			fmt.Fprintf(os.Stderr, "freshness: first ask error: %v\n", err)
		}
	}
	if !ok {
		p.tries++
		p.next = now.Add(min(100*time.Millisecond<<min(p.tries, 5), 2*time.Second))
		a.pending = append(a.pending, p)
		return
	}
	a.r.src.mu.Lock()
	for _, it := range p.d.items {
		a.r.found[it] = now
	}
	a.r.src.mu.Unlock()
	if a.want > 0 {
		if a.want--; a.want == 0 {
			a.once.Do(func() { close(a.allFound) })
		}
	}
}

// answerable asks serve for tok and says whether a passage quotes it (ask
// may answer another item's passage for a token it does not know, by the
// nearest spelling).
func answerable(ctx context.Context, c *localapi.Client, tok string) (bool, error) {
	ans, err := c.Ask(ctx, tok, briefbot.AskOptions{K: 3})
	if err != nil {
		return false, fmt.Errorf("ask %s: %w", tok, err)
	}
	for _, p := range ans.Passages {
		if strings.Contains(p.Text, tok) {
			return true, nil
		}
	}
	return false, nil
}

// procSample is one reading of serve's /proc entry, and the machine's load.
type procSample struct {
	at    time.Time
	cpu   time.Duration // user + system time so far
	rssMB float64
	load1 float64
}

// sampleProc reads pid's CPU time and RSS every period until ctx ends.
func sampleProc(ctx context.Context, pid int, period time.Duration) []procSample {
	var out []procSample
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if s, ok := readProc(pid); ok {
			out = append(out, s)
		}
		select {
		case <-ctx.Done():
			if s, ok := readProc(pid); ok {
				out = append(out, s)
			}
			return out
		case <-tick.C:
		}
	}
}

// clockTick is USER_HZ, 100 on every Linux architecture Go runs on.
const clockTick = 10 * time.Millisecond

// readProc reads utime+stime from /proc/pid/stat, VmRSS from
// /proc/pid/status and the 1-minute load average.
func readProc(pid int) (procSample, bool) {
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, false
	}
	// The command name may hold spaces: fields start after its ")".
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) < 13 {
		return s, false
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpu = time.Duration(utime+stime) * clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if fs := strings.Fields(line); len(fs) >= 2 && fs[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(fs[1], 64)
			s.rssMB = kb / 1024
		}
	}
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		if fs := strings.Fields(string(la)); len(fs) > 0 {
			s.load1, _ = strconv.ParseFloat(fs[0], 64)
		}
	}
	return s, true
}
