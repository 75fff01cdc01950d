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

// answerStats counts answered questions and keeps the latest answer times.
type answerStats struct {
	mu       sync.Mutex
	answered int64
	ring     [latencyRing]time.Duration
	n        int // filled entries, ≤ latencyRing
	next     int
}

func (s *answerStats) record(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answered++
	s.ring[s.next] = d
	s.next = (s.next + 1) % latencyRing
	if s.n < latencyRing {
		s.n++
	}
}

// snapshot returns the number answered since start and the median and p99 of
// the recent answer times (zero when there are none).
func (s *answerStats) snapshot() (answered int64, p50, p99 time.Duration) {
	s.mu.Lock()
	d := slices.Clone(s.ring[:s.n])
	answered = s.answered
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
