package index

import (
	"encoding/json"
	"fmt"
	"time"
)

// A long ingest commits its manifest as it goes, not only at its end, so
// that one killed at 90 % keeps 90 %: the next run skips the articles (and
// files) already committed. A commit waits for the batches in flight, which
// stalls the pipeline for one batch, so it comes only every commitEvery
// articles written or commitAfter, whichever is first. On the news set
// (2,092 articles, 13-29 s on a busy 2-core machine) that is one to three
// commits, within the noise of its ingest time; killed at 14 s, an ingest
// had kept 1,109 articles, and the next run added the other 983.
var (
	commitEvery = 2000
	commitAfter = 10 * time.Second
)

// onCommit, when set (by tests only), is called after each progress commit
// with the manifest that is now durable.
var onCommit func(m *manifest)

// progressCommits tracks when the writer last committed.
type progressCommits struct {
	at      time.Time
	written int // articles added, updated or removed at the last commit
}

// maybeCommitProgress commits what is written so far when enough has been
// written since the last commit. It is called between articles only, when
// the manifest describes exactly the documents written.
func (w *writer) maybeCommitProgress() error {
	written := w.rep.Added + w.rep.Updated + w.rep.Removed
	if w.saved.at.IsZero() {
		w.saved.at = time.Now()
	}
	if written-w.saved.written < commitEvery && (written == w.saved.written || time.Since(w.saved.at) < commitAfter) {
		return nil
	}
	if err := w.commitProgress(); err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	w.saved = progressCommits{at: time.Now(), written: written}
	return nil
}

// commitProgress writes the manifest with the current batch, after every
// batch in flight has landed, so that the manifest never names a document
// that is not durable; then it publishes a copy to queries (the writer
// goes on changing its own).
func (w *writer) commitProgress() error {
	if err := w.wait(); err != nil {
		return err
	}
	raw, err := json.Marshal(w.man)
	if err != nil {
		return err
	}
	if err := w.ix.checkRoom(w.opBytes + len(raw)); err != nil {
		return err
	}
	b := w.batch
	w.batch = w.ix.bl.NewBatch()
	w.batchKeys() // the batch is written synchronously: no conflicts to track
	b.SetInternal([]byte(keyManifest), raw)
	w.markSeq(b)
	if err := w.ix.safeBatch(b); err != nil {
		return err
	}
	published := w.man.clone()
	published.fill() // the per-space counts
	w.ix.mu.Lock()
	w.ix.man = published
	w.ix.mu.Unlock()
	w.publishSeq()
	if onCommit != nil {
		onCommit(published)
	}
	return nil
}
