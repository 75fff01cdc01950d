package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// ErrDamaged is what a damaged index gives (as a *DamagedError naming the
// directory): a segment file that fails its checksum, a snapshot Bleve
// cannot load, an unreadable root.bolt, a panic inside Bleve while reading.
// The fix is to rebuild the index from the corpus; callers word that.
var ErrDamaged = errors.New("index is damaged")

// DamagedError says which index is damaged and how it showed.
type DamagedError struct {
	Dir string
	Err error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("index at %s is damaged: %v", e.Dir, e.Err)
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }
func (e *DamagedError) Unwrap() error        { return e.Err }

func (ix *Index) damaged(err error) error {
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return &DamagedError{Dir: ix.dir, Err: err}
}

// guard runs a query entry point (Ask, Search, Summary, browsing) so that
// no panic from Bleve reaches the caller, and so that a damaged index is
// named as such whether it shows as a panic or as an error. Close waits
// for it to return (see operations).
func guard[T any](ix *Index, query func() (T, error)) (v T, err error) {
	if err := ix.ops.enter(); err != nil {
		return v, err
	}
	defer ix.ops.leave()
	defer ix.recoverDamage(&err)
	return query()
}

// recoverDamage, deferred, turns a panic into an error and checks the
// index's segments when the operation failed: a damaged segment makes zapx
// slice out of bounds or vellum report an invalid address, and only the
// checksum tells damage from a bug. A panic on an index that checks out is
// an internal error, still one line and never a crash.
func (ix *Index) recoverDamage(errp *error) {
	if r := recover(); r != nil {
		ix.log.Error("index: panic inside Bleve", "panic", r, "stack", string(debug.Stack()))
		if verr := ix.verifySegments(); verr != nil {
			*errp = ix.damaged(verr)
			return
		}
		*errp = fmt.Errorf("internal error (please report it): %v", r)
		return
	}
	err := *errp
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrNotFound) || errors.Is(err, bleve.ErrorIndexClosed) || errors.Is(err, ErrDamaged) {
		return
	}
	if verr := ix.verifySegments(); verr != nil {
		*errp = ix.damaged(verr)
	}
}

// verifySegments checks every segment file of the current snapshot against
// the CRC-32 zapx keeps in its footer (of all the bytes before it). It reads
// the files whole, about 10 ms for the news set's 35 MB, so it runs before
// an ingest and after a failed query, not on every query.
func (ix *Index) verifySegments() error {
	r, err := ix.reader()
	if err != nil {
		return nil // closed: nothing to say about damage
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	for _, s := range snap.Segments() {
		seg, ok := s.Segment().(interface {
			Path() string
			CRC() uint32
		})
		if !ok {
			continue // in memory, not yet persisted
		}
		if err := checkCRC(seg.Path(), seg.CRC()); err != nil {
			return err
		}
	}
	return nil
}

// checkCRC compares a zap file's bytes (all but the last four) with want.
// A file gone meanwhile (merged away, still mapped by the snapshot) is
// not damage.
func checkCRC(path string, want uint32) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	name := filepath.Base(path)
	if st.Size() < 4 {
		return fmt.Errorf("segment %s is truncated", name)
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.LimitReader(f, st.Size()-4)); err != nil {
		return fmt.Errorf("reading segment %s: %w", name, err)
	}
	if h.Sum32() != want {
		return fmt.Errorf("segment %s fails its checksum", name)
	}
	return nil
}

// bleveLogMu serializes the opens that watch Bleve's log (see
// openWatchingLog): the standard logger is one per process.
var bleveLogMu sync.Mutex

// snapshotLoss are the lines scorch logs (with the standard logger) when
// it cannot load the newest snapshot and falls back to an older one,
// silently dropping what was written since: to briefbot, damage.
var snapshotLoss = []string{"unable to load snapshot", "snapshot key, but bucket missing", "unable to parse segment epoch"}

// logCatcher passes log lines through, except scorch's snapshot-loss lines,
// which it keeps.
type logCatcher struct {
	next   io.Writer
	caught []string
}

func (c *logCatcher) Write(p []byte) (int, error) {
	for _, s := range snapshotLoss {
		if i := bytes.Index(p, []byte(s)); i >= 0 {
			line := strings.TrimSuffix(strings.TrimSpace(string(p[i:])), ", continuing")
			c.caught = append(c.caught, strings.Replace(line, ", ", ": ", 1))
			return len(p), nil
		}
	}
	return c.next.Write(p)
}

// openWatchingLog runs open (Bleve's) with a panic turned into an error and
// scorch's snapshot-loss log lines returned instead of printed.
func openWatchingLog(open func() (bleve.Index, error)) (bl bleve.Index, lost []string, err error) {
	bleveLogMu.Lock()
	defer bleveLogMu.Unlock()
	c := &logCatcher{next: log.Writer()}
	log.SetOutput(c)
	defer log.SetOutput(c.next)
	defer func() {
		if r := recover(); r != nil {
			bl, err = nil, fmt.Errorf("opening Bleve: %v", r)
		}
	}()
	bl, err = open()
	return bl, c.caught, err
}

// openErr classifies an error from opening an existing Bleve index: a
// permission problem is the user's to fix; anything else (an emptied
// root.bolt gives "bad file descriptor", a damaged mapping "error parsing
// mapping JSON") means the index is damaged.
func (ix *Index) openErr(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("opening index at %s: %w", ix.dir, err)
	}
	return ix.damaged(err)
}
