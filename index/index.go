// Package index is briefbot's Bleve index: ingesting articles as paragraph
// documents, and the query side (Ask, Search, browsing) that answers with
// quoted, cited passages. It imports corpus and Bleve only; it reads no
// environment and knows nothing of Discord.
package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/searcher"
	"github.com/blevesearch/bleve/v2/util"
	bleveindex "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"
)

func init() {
	// Nothing briefbot builds expands wildcards or regexps (user text only goes
	// into term, match and phrase queries), but a cap keeps any future
	// expanding query from running for minutes and gigabytes (design §3, Q2).
	searcher.DisjunctionMaxClauseCount = 4096
}

// Options configure Open.
type Options struct {
	Logger      *slog.Logger     // nil = discard
	LockTimeout time.Duration    // 0 = 1s; a second process gets ErrLocked within it, never a hang
	Now         func() time.Time // nil = time.Now; the default "as of" day in Ask
	ReadOnly    bool             // open for answering only: shared lock, no Ingest/Upsert
}

// ErrLocked is returned (wrapped, naming the owner's pid) by Open when another
// process, or another handle in this one, owns the index.
var ErrLocked = errors.New("index is locked by another process")

// ErrMappingChanged is returned (wrapped, naming the versions and the fix) by
// Open when the index on disk was built with another mapping version.
var ErrMappingChanged = errors.New("index mapping changed")

// ErrReadOnly is returned by Ingest and Upsert on a read-only handle.
var ErrReadOnly = errors.New("index is open read-only")

type lockedError struct{ pid int }

func (e *lockedError) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("index is locked by another process (pid %d)", e.pid)
	}
	return ErrLocked.Error()
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

type mappingError struct {
	dir       string
	have, new int
}

func (e *mappingError) Error() string {
	return fmt.Sprintf("index at %s was built with mapping version %d, this briefbot needs %d: run `briefbot ingest --rebuild <corpus paths>` to rebuild it",
		e.dir, e.have, e.new)
}

func (e *mappingError) Is(target error) bool { return target == ErrMappingChanged }

// Layout of an index directory: the Bleve index lives in a subdirectory so
// that the lock file sits beside it and Remove knows exactly what it owns.
const (
	bleveDir = "bleve"
	lockName = "LOCK"
)

// Index is an open briefbot index. Its methods are safe for concurrent use;
// ingests are serialized, and queries run alongside them.
type Index struct {
	dir       string
	readOnly  bool
	log       *slog.Logger
	now       func() time.Time
	bl        bleve.Index
	lock      *indexLock
	analyzer  analysis.Analyzer
	ingestMu  sync.Mutex // one Ingest/Upsert at a time
	mu        sync.RWMutex
	man       *manifest // committed manifest; replaced whole, never mutated
	closeOnce sync.Once
	tableMu   sync.Mutex
	table     *docArticles // of the last snapshot Ask filtered on
	titleMu   sync.Mutex
	titles    map[string][]string // title -> its terms (see titleTerms)
	closeErr  error
	ops       operations // queries and ingests running: Close waits for them
	version   int        // mapping version on disk: MappingVersion, or 2 read-only (see openBleve)

	applied     atomic.Uint64 // log sequence committed with the manifest (apply.go)
	uncompacted atomic.Int64  // paragraphs ApplyBatch wrote since it last merged segments

	// afterArticle, when set (by tests only), is called after each article
	// of a file is written, with the number written so far: a fixed point at
	// which a test can cancel an ingest.
	afterArticle func(done int)
}

// Open opens the index in dir, creating it when dir is absent or empty.
func Open(dir string, opts Options) (*Index, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if err := checkDir(dir, opts.ReadOnly); err != nil {
		return nil, err
	}
	lock, err := acquire(dir, !opts.ReadOnly, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	if !opts.ReadOnly {
		if err := recoverSwap(dir); err != nil {
			lock.release()
			return nil, fmt.Errorf("opening index: %w", err)
		}
	}
	ix := &Index{dir: dir, readOnly: opts.ReadOnly, log: log, now: now, lock: lock}
	if err := ix.openBleve(opts.LockTimeout); err != nil {
		lock.release()
		return nil, err
	}
	return ix, nil
}

// checkDir refuses to turn a directory holding something else into an index.
func checkDir(dir string, readOnly bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		if readOnly {
			return fmt.Errorf("no index at %s", dir)
		}
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("opening index: %w", err)
	}
	for _, e := range entries {
		if !ownEntry(e.Name()) {
			return fmt.Errorf("%s is not a briefbot index (it holds %q); choose an empty or new directory", dir, e.Name())
		}
	}
	return nil
}

// ownEntry reports whether name is one of the entries of an index directory.
func ownEntry(name string) bool {
	return name == bleveDir || name == lockName || name == rebuildDir || name == oldBleveDir
}

// isIndexDir reports whether dir looks like a briefbot index directory, so
// that an ingest walking a corpus folder does not read one kept inside it.
func isIndexDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, bleveDir))
	if err != nil || !st.IsDir() {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, lockName))
	return err == nil
}

func (ix *Index) openBleve(timeout time.Duration) error {
	path := filepath.Join(ix.dir, bleveDir)
	cfg := map[string]interface{}{"bolt_timeout": timeout.String()}
	if ix.readOnly {
		cfg["read_only"] = true
	}
	if _, statErr := os.Stat(path); errors.Is(statErr, os.ErrNotExist) {
		if ix.readOnly {
			return fmt.Errorf("no index at %s", ix.dir)
		}
		if err := createBleve(ix.dir, cfg); err != nil {
			return fmt.Errorf("creating index at %s: %w", ix.dir, err)
		}
	}
	var lost []string
	var err error
	ix.bl, lost, err = openWatchingLog(func() (bleve.Index, error) { return bleve.OpenUsing(path, cfg) })
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			// Bleve's own lock (bolt_timeout) is held: another process
			// that opened the index without our LOCK file.
			return &lockedError{}
		}
		return ix.openErr(err)
	}
	if len(lost) > 0 {
		ix.bl.Close()
		return ix.damaged(errors.New(lost[0]))
	}
	v, err := ix.bl.GetInternal([]byte(keyMappingVersion))
	if err != nil {
		ix.bl.Close()
		return ix.damaged(fmt.Errorf("reading index version: %w", err))
	}
	have, _ := strconv.Atoi(string(v)) // absent or garbled: version 0, which never matches
	if have == 2 && !ix.readOnly {
		if ix.bl, err = upgradeMapping(ix.bl, path, cfg); err != nil {
			return fmt.Errorf("opening index at %s: %w", ix.dir, err)
		}
		have = MappingVersion
	}
	// A read-only handle reads a version 2 index as it is: nothing can have
	// written a server space into it, so no query needs the space field.
	if have != MappingVersion && !(have == 2 && ix.readOnly) {
		ix.bl.Close()
		return &mappingError{dir: ix.dir, have: have, new: MappingVersion}
	}
	ix.version = have
	man := newManifest()
	if raw, err := ix.bl.GetInternal([]byte(keyManifest)); err != nil {
		ix.bl.Close()
		return ix.damaged(fmt.Errorf("reading index manifest: %w", err))
	} else if raw != nil {
		if err := json.Unmarshal(raw, man); err != nil {
			ix.bl.Close()
			return ix.damaged(fmt.Errorf("reading index manifest: %w", err))
		}
		man.fill()
	}
	ix.man = man
	if err := ix.readApplied(); err != nil {
		ix.bl.Close()
		return ix.damaged(err)
	}
	ix.analyzer = ix.bl.Mapping().AnalyzerNamed(en.AnalyzerName)
	if ix.analyzer == nil {
		ix.bl.Close()
		return errors.New("index: English analyzer not registered")
	}
	return nil
}

// upgradeMapping turns bl, a version 2 index open at path, into a version 3
// one and reopens it. Version 3 only adds the space field, which no
// document of a version 2 index has (they are all shared space), so no
// document changes: the new mapping is stored where Bleve keeps it (the
// internal key it writes at creation), in one batch with the new version,
// and read back by reopening. (Bleve's own updated_mapping refuses new
// fields: it only removes them.)
func upgradeMapping(bl bleve.Index, path string, cfg map[string]interface{}) (bleve.Index, error) {
	raw, err := json.Marshal(buildMapping())
	if err != nil {
		bl.Close()
		return nil, err
	}
	b := bl.NewBatch()
	b.SetInternal(util.MappingInternalKey, raw)
	b.SetInternal([]byte(keyMappingVersion), []byte(strconv.Itoa(MappingVersion)))
	err = bl.Batch(b)
	if cerr := bl.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("adding the space field to a version 2 index: %w", err)
	}
	return bleve.OpenUsing(path, cfg)
}

// Close closes the index and releases its lock, after the queries and
// ingests running have returned; later ones fail with
// bleve.ErrorIndexClosed. It is safe to call twice (Bleve's own Close
// panics the second time).
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		ix.ops.close()
		ix.closeErr = ix.bl.Close()
		ix.lock.release()
	})
	return ix.closeErr
}

// Version is the mapping version of the index on disk: MappingVersion, or
// an older one a read-only handle reads as it is (the next writer upgrades
// it in place).
func (ix *Index) Version() int { return ix.version }

// Dir is the directory the index lives in.
func (ix *Index) Dir() string { return ix.dir }

// reader is a point-in-time reader of the Bleve index, for statistics Bleve's
// search API does not give (document frequencies: ~35 µs a term, where
// FieldDictRange takes ~140 µs). Close it after use. On a closed index
// scorch hands out a nil snapshot, which would panic on first use: that
// is reported as bleve.ErrorIndexClosed instead.
func (ix *Index) reader() (bleveindex.IndexReader, error) {
	adv, err := ix.bl.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	if s, ok := r.(*scorch.IndexSnapshot); r == nil || ok && s == nil {
		return nil, bleve.ErrorIndexClosed
	}
	return r, nil
}

// snapshot returns the committed manifest; callers must not mutate it.
func (ix *Index) snapshot() *manifest {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.man
}
