package main

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchCorpus calls reingest whenever files under roots change, after a
// quiet period of debounce, so that a copy of many files triggers one ingest
// rather than hundreds. New folders are watched as they appear. It returns
// when ctx is done. Ingest itself is incremental (a manifest of content
// hashes), so re-ingesting the whole roots costs only what changed.
func watchCorpus(ctx context.Context, roots []string, debounce time.Duration, log *slog.Logger, reingest func(context.Context)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	for _, root := range roots {
		addTree(w, root, log)
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op&fsnotify.Create != 0 {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					addTree(w, ev.Name, log)
				}
			}
			timer = time.After(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watching the corpus", "err", err)
		case <-timer:
			timer = nil
			reingest(ctx)
		}
	}
}

// addTree watches root and every folder below it (fsnotify is not
// recursive). A root that is a single file is watched through its folder.
func addTree(w *fsnotify.Watcher, root string, log *slog.Logger) {
	st, err := os.Stat(root)
	if err != nil {
		log.Warn("cannot watch", "path", root, "err", err)
		return
	}
	if !st.IsDir() {
		if err := w.Add(filepath.Dir(root)); err != nil {
			log.Warn("cannot watch", "path", root, "err", err)
		}
		return
	}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if err := w.Add(path); err != nil {
			log.Warn("cannot watch", "path", path, "err", err)
		}
		return nil
	})
}
