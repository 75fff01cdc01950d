package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Names inside an index directory used by Rebuild: the new index is built
// in rebuildDir (an index directory of its own), and the old Bleve directory
// waits in oldBleveDir while the new one takes its place.
const (
	rebuildDir  = "rebuild"
	oldBleveDir = "bleve.old"
)

// Rebuild builds a new index of paths (into opts.Space) and, once it is
// complete, puts it in place of the index in dir: after a mapping change,
// or to start afresh. The articles of every other space are carried over
// from the old index (carrySpaces): rebuilding the shared corpus keeps what
// servers added. A
// rebuild that fails or is interrupted leaves the old index as it was. dir
// stays locked throughout, so it fails with ErrLocked while another process
// has the index open, and nothing else ingests into it meanwhile.
func Rebuild(ctx context.Context, dir string, paths []string, opts IngestOptions, o Options) (IngestReport, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	o.ReadOnly = false
	if err := checkDir(dir, false); err != nil {
		return IngestReport{}, err
	}
	lock, err := acquire(dir, true, o.LockTimeout)
	if err != nil {
		return IngestReport{}, err
	}
	defer lock.release()

	tmp := filepath.Join(dir, rebuildDir)
	if err := os.RemoveAll(tmp); err != nil { // what an interrupted rebuild left
		return IngestReport{}, fmt.Errorf("rebuilding: %w", err)
	}
	ix, err := Open(tmp, o)
	if err != nil {
		return IngestReport{}, err
	}
	rep, err := ix.Ingest(ctx, paths, opts)
	if err == nil {
		var carried int
		carried, err = carrySpaces(ctx, ix, dir, opts.Space)
		if carried > 0 {
			ix.log.Info("index: rebuild kept the other spaces' articles", "articles", carried)
		}
	}
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(tmp)
		return rep, err
	}

	// The swap: old aside, new in, old gone. Open puts the old one back
	// should the process die between the first two renames.
	cur, old := filepath.Join(dir, bleveDir), filepath.Join(dir, oldBleveDir)
	if err := os.RemoveAll(old); err != nil {
		return rep, fmt.Errorf("rebuilding: %w", err)
	}
	if err := os.Rename(cur, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return rep, fmt.Errorf("rebuilding: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, bleveDir), cur); err != nil {
		os.Rename(old, cur)
		return rep, fmt.Errorf("rebuilding: %w", err)
	}
	os.RemoveAll(old)
	os.RemoveAll(tmp)
	return rep, nil
}

// recoverSwap tidies what a killed rebuild left, at the start of every
// writer (Open, hence ingest and serve, and Rebuild), which holds the lock,
// so no rebuild is running: it puts the old Bleve directory back when the
// rebuild died between moving it aside and moving the new one in, and
// removes a half-built rebuildDir and an old Bleve directory that a
// finished swap did not get to delete.
func recoverSwap(dir string) error {
	cur, old := filepath.Join(dir, bleveDir), filepath.Join(dir, oldBleveDir)
	if _, err := os.Stat(cur); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(old); err == nil {
			if err := os.Rename(old, cur); err != nil {
				return err
			}
		}
	}
	leftovers := []string{filepath.Join(dir, rebuildDir)}
	if _, err := os.Stat(cur); err == nil {
		leftovers = append(leftovers, old) // else keep it: it is all there is
	}
	for _, p := range leftovers {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("removing what an interrupted rebuild left: %w", err)
		}
	}
	return nil
}
