package main

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/briefbot/briefbot/eval"
	"github.com/briefbot/briefbot/internal/discordtest"
)

// BenchmarkServeHTTPLoad is issue 15 §3's single-instance load: `serve
// --http` on a real index of the bundled sample, 200 workers each posting
// Ed25519-signed interactions (/ask, /search, /summary, shaped as Discord
// sends them, from servers A and B) back to back for BRIEFBOT_LOAD_DURATION
// (default 60s). It reports the p50/p99 time from request to inline reply,
// the 5xx count (must be 0), and the process's RSS sampled every 2 s.
// Every interaction comes from a new member, so the per-user rate limit
// (5 questions in 10 s) never turns answers into refusals.
//
//	go test -run '^$' -bench BenchmarkServeHTTPLoad -benchtime 1x ./cmd/briefbot/
func BenchmarkServeHTTPLoad(b *testing.B) {
	dur := loadDuration(b)
	const workers = 200
	widenDefaultTransport(b, workers)
	fake, url := startLoadDeployment(b)
	for n := 0; n < b.N; n++ {
		res := runLoad(b, fake, url, workers, dur)
		if p := os.Getenv("BRIEFBOT_LOAD_HEAPPROFILE"); p != "" {
			writeHeapProfile(b, p) // while serve and the fake still hold what they hold
		}
		reportLoad(b, res, dur)
		if res.status5xx > 0 {
			b.Errorf("%d replies with a 5xx status", res.status5xx)
		}
	}
}

// loadDuration is BRIEFBOT_LOAD_DURATION, 60 s when unset.
func loadDuration(b *testing.B) time.Duration {
	b.Helper()
	v := os.Getenv("BRIEFBOT_LOAD_DURATION")
	if v == "" {
		return 60 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("BRIEFBOT_LOAD_DURATION: %v", err)
	}
	return d
}

// widenDefaultTransport lets the default client (which the fake Discord
// posts with) keep a connection per worker until the benchmark ends: with
// its 2 idle connections per host, 200 workers would open a connection
// per request and run out of loopback ports.
func widenDefaultTransport(b *testing.B, workers int) {
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.MaxIdleConnsPerHost
	tr.MaxIdleConnsPerHost = workers
	b.Cleanup(func() { tr.MaxIdleConnsPerHost = old })
}

// reportLoad reports what one run measured, and fails the benchmark on an
// inline reply without the expected answer.
func reportLoad(b *testing.B, res loadResult, dur time.Duration) {
	b.Helper()
	b.ReportMetric(float64(res.count)/dur.Seconds(), "req/s")
	b.ReportMetric(eval.Percentile(res.ms, 50), "p50-ms")
	b.ReportMetric(eval.Percentile(res.ms, 99), "p99-ms")
	b.ReportMetric(float64(res.status5xx), "5xx")
	b.ReportMetric(float64(res.refused), "not-accepted")
	b.ReportMetric(float64(res.deferred), "deferred")
	b.ReportMetric(float64(res.wrong), "not-answered")
	b.ReportMetric(res.rss[0], "rss-first-MB")
	b.ReportMetric(res.rss[len(res.rss)-1], "rss-last-MB")
	b.ReportMetric(maxOf(res.rss), "rss-max-MB")
	b.ReportMetric(res.heap[len(res.heap)-1], "heap-live-last-MB")
	b.Logf("%d interactions in %s; RSS samples (MB): %.0f; live heap (MB): %.0f", res.count, dur, res.rss, res.heap)
	if res.wrong > 0 {
		b.Errorf("%d inline replies lack the expected answer", res.wrong)
	}
}

// startLoadDeployment runs serve in HTTP mode on the bundled sample (the
// same set-up as the spaces tests) until the benchmark ends, and returns
// the fake Discord and the interactions endpoint's URL once it answers.
func startLoadDeployment(b *testing.B) (*discordtest.Server, string) {
	b.Helper()
	fake := discordtest.New(b)
	root := b.TempDir()
	corpusDir := filepath.Join(root, "corpus")
	if err := writeSample(corpusDir); err != nil {
		b.Fatal(err)
	}
	vars := loadServeVars(fake, root, filepath.Join(root, "index"))
	vars["BRIEFBOT_CORPUS"] = corpusDir
	return fake, startServeHTTP(b, vars, "", slog.LevelWarn)
}

// loadServeVars is the environment of a serve --http on the fake Discord,
// with its home in root and its index in indexDir, answering in servers A
// and B.
func loadServeVars(fake *discordtest.Server, root, indexDir string) map[string]string {
	return map[string]string{
		"HOME": root, "DISCORD_TOKEN": strings.TrimPrefix(fake.Token, "Bot "), "DISCORD_APP_ID": fake.AppID,
		"DISCORD_API_BASE": fake.URL, "DISCORD_PUBLIC_KEY": fake.PublicKey(),
		"BRIEFBOT_INDEX": indexDir, "BRIEFBOT_SERVERS": serverA + "," + serverB,
	}
}

// loadResult is what one load run measured.
type loadResult struct {
	ms                           []float64 // request to reply, per interaction
	count                        int
	status5xx, refused, deferred int
	wrong                        int       // inline replies without the expected answer (a refusal)
	rss                          []float64 // MB, every 2 s
	heap                         []float64 // live heap after the last GC, MB, at the same times
}

// runLoad keeps workers interactions in flight for dur and samples RSS.
func runLoad(b *testing.B, fake *discordtest.Server, url string, workers int, dur time.Duration) loadResult {
	var (
		mu                 sync.Mutex
		res                loadResult
		n5xx, nref, ndefer atomic.Int64
		nwrong             atomic.Int64
	)
	deadline := time.Now().Add(dur)
	stopRSS := make(chan struct{})
	rssDone := make(chan [2][]float64)
	go sampleRSS(2*time.Second, stopRSS, rssDone)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []float64
			for k := 0; time.Now().Before(deadline); k++ {
				i, want := loadInteraction(fake, w+k)
				start := time.Now()
				in := fake.PostInteraction(url, i)
				mine = append(mine, float64(time.Since(start).Microseconds())/1000)
				switch {
				case in.Status >= 500:
					n5xx.Add(1)
				case !in.Accepted:
					nref.Add(1)
				case strings.HasPrefix(string(in.Body), `{"type":5`):
					ndefer.Add(1)
				case !strings.Contains(string(in.Body), want):
					if nwrong.Add(1) == 1 {
						b.Logf("a reply without %q: %s", want, in.Body)
					}
				}
			}
			mu.Lock()
			res.ms = append(res.ms, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	close(stopRSS)
	samples := <-rssDone
	res.rss, res.heap = samples[0], samples[1]
	res.count = len(res.ms)
	res.status5xx, res.refused, res.deferred = int(n5xx.Load()), int(nref.Load()), int(ndefer.Load())
	res.wrong = int(nwrong.Load())
	return res
}

// loadInteraction is the k-th interaction of the mix: /ask, /search and
// /summary in turn, from servers A and B alternately, each from a new
// member of that server so that the per-user rate limit never applies.
// want is a phrase the answer quotes from the sample.
func loadInteraction(fake *discordtest.Server, k int) (i *discordgo.Interaction, want string) {
	opt := discordtest.StringOption
	switch k % 3 {
	case 0:
		i, want = fake.NewCommand("ask", opt("question", "How many North Korean soldiers are in Russia's Kursk region?")), "11,000"
	case 1:
		i, want = fake.NewCommand("search", opt("keywords", "Kazan summit")), "Kazan"
	default:
		i, want = fake.NewCommand("summary", opt("date", "2024-11-20")), "Kazan"
	}
	server := serverA
	if (k/3)%2 == 1 {
		server = serverB
	}
	i.GuildID = server
	i.ChannelID = server[:len(server)-1] + "9"
	i.Member = &discordgo.Member{User: &discordgo.User{ID: fake.NewID(), Username: "member"}, Permissions: memberPerms}
	i.AppPermissions = discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks | discordgo.PermissionViewChannel
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.CommandType = discordgo.ChatApplicationCommand
	i.Data = data
	return i, want
}

// sampleRSS sends the resident set sizes and the live heaps (MB) read
// every period, from the first sample until stop closes. The live heap
// tells growth that stays (a leak) from the runtime keeping freed pages.
func sampleRSS(period time.Duration, stop <-chan struct{}, out chan<- [2][]float64) {
	var rss, heap []float64
	sample := func() {
		rss = append(rss, rssMB())
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(m)
		heap = append(heap, float64(m[0].Value.Uint64())/(1<<20))
	}
	sample()
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			sample()
		case <-stop:
			sample()
			out <- [2][]float64{rss, heap}
			return
		}
	}
}

// rssMB is this process's resident set size (VmRSS) in MB, 0 when
// /proc cannot tell.
func rssMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// writeHeapProfile writes the live heap to path (after a GC), to see who
// holds what the load left.
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatalf("heap profile: %v", err)
	}
}
