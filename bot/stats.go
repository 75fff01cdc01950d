package bot

import (
	"slices"
	"sync"
	"time"
)

// latencyRing is the number of recent /ask answer times kept for the median
// and p99 shown by /stats: enough for a stable p99, small enough to sort on
// every /stats.
const latencyRing = 1024

// answerStats counts answered questions and keeps the latest answer times,
// per server ("" = DMs), so that one server's /stats says nothing of how
// busy another is.
type answerStats struct {
	mu     sync.Mutex
	guilds map[string]*guildAnswers
}

// guildAnswers are one server's figures. ring grows to latencyRing and then
// wraps, so a server that asks little costs little.
type guildAnswers struct {
	answered int64
	ring     []time.Duration
	next     int // where the next time goes once ring is full
}

func (s *answerStats) record(guild string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.guilds == nil {
		s.guilds = map[string]*guildAnswers{}
	}
	g := s.guilds[guild]
	if g == nil {
		g = &guildAnswers{}
		s.guilds[guild] = g
	}
	g.answered++
	if len(g.ring) < latencyRing {
		g.ring = append(g.ring, d)
		return
	}
	g.ring[g.next] = d
	g.next = (g.next + 1) % latencyRing
}

// snapshot returns the number answered in guild since start and the median
// and p99 of its recent answer times (zero when there are none).
func (s *answerStats) snapshot(guild string) (answered int64, p50, p99 time.Duration) {
	s.mu.Lock()
	var d []time.Duration
	if g := s.guilds[guild]; g != nil {
		d, answered = slices.Clone(g.ring), g.answered
	}
	s.mu.Unlock()
	if len(d) == 0 {
		return answered, 0, 0
	}
	slices.Sort(d)
	return answered, percentile(d, 50), percentile(d, 99)
}

// percentile of sorted d by the nearest-rank method.
func percentile(d []time.Duration, p int) time.Duration {
	rank := (p*len(d) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return d[rank-1]
}
