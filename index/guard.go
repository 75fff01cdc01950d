package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"
)

// ErrDiskFull is what an ingest gives (wrapped, with the figures) when the
// index's disk has no room for the next batch, or Bleve failed writing for
// lack of it. What was committed before stays readable.
var ErrDiskFull = errors.New("disk full")

// diskFullError says how much room there was and how much a batch needs;
// Free and Need are 0 when Bleve's write failed first.
type diskFullError struct {
	dir        string
	free, need uint64
	cause      error
}

func (e *diskFullError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("disk full: %d MB free in %s, and writing failed: %v", e.free>>20, e.dir, e.cause)
	}
	return fmt.Sprintf("disk full: %d MB free in %s, a batch needs about %d MB", e.free>>20, e.dir, (e.need+1<<20-1)>>20)
}

func (e *diskFullError) Is(target error) bool { return target == ErrDiskFull }

// freeSpace is freeBytes, replaced by tests that need a full disk where
// they cannot mount one.
var freeSpace = freeBytes

// batchRoom is the free space a batch of textBytes of paragraph text asks
// for before it goes to Bleve: its segment (about twice the text, with the
// postings and stored fields), a copy of it for Bleve's background merge,
// and a margin for root.bolt. Less than that is clearly too little; more is
// no promise, so write errors are still caught (see writeErr).
func batchRoom(textBytes int) uint64 {
	return 4*uint64(textBytes) + 4<<20
}

// checkRoom refuses a batch the index's disk has clearly no room for.
func (ix *Index) checkRoom(textBytes int) error {
	free, ok := freeSpace(ix.dir)
	need := batchRoom(textBytes)
	if ok && free < need {
		return &diskFullError{dir: ix.absDir(), free: free, need: need}
	}
	return nil
}

func (ix *Index) absDir() string {
	if abs, err := filepath.Abs(ix.dir); err == nil {
		return abs
	}
	return ix.dir
}

// safeBatch hands b to Bleve with a panic turned into an error: on a full
// disk zapx has panicked ("assignment to entry in nil map" in its inverted
// index cache, on a segment that the failing persister had closed), and on
// the batch goroutine that would end the process.
func (ix *Index) safeBatch(b *bleve.Batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing a batch of %d documents: internal error in Bleve: %v", b.Size(), r)
		}
		err = ix.writeErr(err)
	}()
	return ix.bl.Batch(b)
}

// writeErr names a write failure for lack of space as ErrDiskFull: Bleve
// flattens its persister's errors to text, and its panics say nothing of
// the cause, so the text or the space left is what tells.
func (ix *Index) writeErr(err error) error {
	if err == nil || errors.Is(err, ErrDiskFull) {
		return err
	}
	free, ok := freeSpace(ix.dir)
	if strings.Contains(err.Error(), "no space left on device") || ok && free < batchRoom(0) {
		return &diskFullError{dir: ix.absDir(), free: free, cause: err}
	}
	return err
}
