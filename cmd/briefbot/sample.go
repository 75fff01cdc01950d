package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/internal/localapi"
)

// sampleFS is the bundled sample corpus: short briefing articles written for
// this project about the seed article's story, one in each supported format.
//
//go:embed sample
var sampleFS embed.FS

// openIndex opens the index the query commands read. When nothing is
// configured it builds a throw-away index of the bundled sample corpus, so a
// fresh clone answers questions with no setup; close removes it again.
//
// While serve runs, it holds the index: the commands then ask it, through
// its socket (see localapi.go), and get the answers the index would give.
func (a *app) openIndex(ctx context.Context, flagDir string) (ix localapi.Index, sample bool, closeIx func(), err error) {
	dir, useSample := a.indexLocation(flagDir)
	if !useSample {
		if _, err := os.Stat(dir); err != nil {
			return nil, false, nil, fmt.Errorf("no index at %s: run `briefbot ingest --index %s PATH...` first", dir, dir)
		}
		if c := a.dialServer(ctx, dir); c != nil {
			return c, false, func() { c.Close() }, nil
		}
		ix, err := index.Open(dir, index.Options{ReadOnly: true})
		if err != nil {
			return nil, false, nil, err
		}
		return ix, false, func() { ix.Close() }, nil
	}
	tmp, err := os.MkdirTemp("", "briefbot-sample-")
	if err != nil {
		return nil, false, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	if err := writeSample(filepath.Join(tmp, "corpus")); err != nil {
		cleanup()
		return nil, false, nil, err
	}
	sampleIx, err := ingestTemp(ctx, tmp, filepath.Join(tmp, "corpus"))
	if err != nil {
		cleanup()
		return nil, false, nil, fmt.Errorf("indexing the bundled sample: %w", err)
	}
	fmt.Fprintln(a.stderr, "briefbot: no index configured; answering from the bundled sample articles (see README: Your own corpus)")
	return sampleIx, true, func() { sampleIx.Close(); cleanup() }, nil
}

// writeSample copies the embedded sample corpus into dir.
func writeSample(dir string) error {
	sub, err := fs.Sub(sampleFS, "sample")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, sub)
}

// ingestTemp ingests path into a new index in dir/index, for a command
// that answers from a corpus without an index of its own (the bundled
// sample, eval --corpus). dir is a fresh temporary folder the caller
// removes after closing the index.
func ingestTemp(ctx context.Context, dir, path string) (*index.Index, error) {
	ix, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := ix.Ingest(ctx, []string{path}, index.IngestOptions{}); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}
