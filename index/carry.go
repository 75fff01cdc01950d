package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// carryChunk is how many articles carrySpaces reads from the old index at
// a time, bounding its memory.
const carryChunk = 500

// carrySpaces copies into ix, the index a Rebuild is building, the
// articles of every space but rebuilt that the old index in dir holds: a
// rebuild of the shared corpus must not wipe what servers' admins added,
// which only they can add again. Files carry over too, so the servers'
// next ingest of their folders skips them as unchanged. An old index that
// cannot be read (absent, damaged, of a mapping before spaces) has no
// server spaces to carry.
func carrySpaces(ctx context.Context, ix *Index, dir, rebuilt string) (int, error) {
	if _, err := os.Stat(filepath.Join(dir, bleveDir)); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	// dir's lock is the rebuild's own: open the old Bleve index beside it.
	old := &Index{dir: dir, readOnly: true, log: ix.log, now: ix.now}
	if err := old.openBleve(time.Second); err != nil {
		ix.log.Warn("index: rebuild could not read the old index's server spaces", "err", err)
		return 0, nil
	}
	defer old.bl.Close()
	man := old.snapshot()
	bySpace := map[string][]string{}
	for key, a := range man.Articles {
		if a.Space != rebuilt {
			bySpace[a.Space] = append(bySpace[a.Space], key)
		}
	}
	carried := 0
	for space, keys := range bySpace {
		sort.Strings(keys)
		n, err := carrySpace(ctx, ix, old, man, space, keys)
		carried += n
		if err != nil {
			return carried, fmt.Errorf("carrying space %q over: %w", space, err)
		}
	}
	return carried, nil
}

// carrySpace writes the articles keys of space, read from old, into ix,
// with the space's files.
func carrySpace(ctx context.Context, ix *Index, old *Index, man *manifest, space string, keys []string) (int, error) {
	var rep IngestReport
	w, err := ix.newWriter(&rep, space)
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for start := 0; start < len(keys); start += carryChunk {
		chunk := keys[start:min(start+carryChunk, len(keys))]
		arts, err := old.load(ctx, man, chunk)
		if err != nil {
			return 0, w.abort(err)
		}
		for i := range arts {
			if err := w.article(&arts[i], man.Articles[chunk[i]].File, seen); err != nil {
				return 0, w.abort(err)
			}
		}
	}
	for key, f := range man.Files {
		if f.Space == space {
			w.man.Files[key] = f
		}
	}
	w.dirty = true
	return rep.Added, w.finish(nil)
}
