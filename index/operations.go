package index

import (
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// operations counts the operations running on an index, so that Close waits
// for them before closing Bleve. Without it a query or ingest still running
// when its caller shuts down (an interaction answered past the HTTP grace
// period, a handler the gateway started) would read segments Close has just
// released, and zapx panics on a closed segment, outside any recover when it
// is an ingest. Operations may nest (Summary reads articles through
// Paragraphs): a counter, unlike a read lock, cannot deadlock on that.
type operations struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   sync.Cond // signalled when n drops to 0
}

// enter registers an operation; it fails with bleve.ErrorIndexClosed once
// Close has begun.
func (f *operations) enter() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return bleve.ErrorIndexClosed
	}
	f.n++
	return nil
}

// leave ends an operation enter registered.
func (f *operations) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.idle.L != nil {
		f.idle.Broadcast()
	}
}

// close refuses new operations and waits until those running have ended.
func (f *operations) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.idle.L = &f.mu
	for f.n > 0 {
		f.idle.Wait()
	}
}
