package index

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/briefbot/briefbot/corpus"
)

// The index's ways into the file system while reading a corpus, variables
// so that tests can make a folder or file fail to read as a sync tool or a
// flaky mount does (tests run as root, whom chmod 000 does not stop).
var (
	readDir  = os.ReadDir
	lstat    = os.Lstat
	readFile = os.ReadFile
)

// collection is what collect found under the paths of one ingest.
type collection struct {
	jobs    []fileJob
	roots   []string // folders walked: files of the manifest under them may be gone
	skipped []corpus.Warning
	// unread are folders that could not be listed completely: nothing
	// under them is taken for deleted.
	unread []string
	have   map[string]bool
}

// collect lists the supported files under paths, in a stable order, leaving
// out the index's own directory (self) when it sits inside the corpus.
func collect(paths []string, self string) *collection {
	c := &collection{have: map[string]bool{}}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			c.skip(p, err.Error())
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			c.skip(p, err.Error())
			continue
		}
		if !st.IsDir() {
			if !corpus.Supported(abs) {
				c.skip(p, "unsupported file type")
				continue
			}
			c.add(fileJob{abs: abs, name: filepath.Base(abs), show: p, size: st.Size()})
			continue
		}
		if abs == self {
			continue
		}
		c.roots = append(c.roots, abs)
		c.walk(abs, abs, p, self)
	}
	return c
}

func (c *collection) skip(show, reason string) {
	c.skipped = append(c.skipped, corpus.Warning{Path: show, Reason: reason})
}

func (c *collection) add(j fileJob) {
	if !c.have[j.abs] {
		c.have[j.abs] = true
		c.jobs = append(c.jobs, j)
	}
}

// walk collects the files of dir, a folder under root (given by the user as
// shownRoot), depth first in name order. A folder that fails to list is
// reported and remembered as unread; the entries listed before the failure
// are still collected.
func (c *collection) walk(dir, root, shownRoot, self string) {
	entries, err := readDir(dir)
	if err != nil {
		c.unread = append(c.unread, dir)
		c.skip(filepath.Join(shownRoot, strings.TrimPrefix(dir, root)),
			"cannot read folder ("+errReason(err)+"); the articles indexed from it are kept")
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		show := filepath.Join(shownRoot, strings.TrimPrefix(path, root))
		if strings.HasPrefix(e.Name(), ".") {
			continue // hidden files: editor and VCS droppings, not corpus
		}
		if e.IsDir() {
			if path != self && !isIndexDir(path) {
				c.walk(path, root, shownRoot, self)
			}
			continue
		}
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if !corpus.Supported(e.Name()) {
			c.skip(show, "unsupported file type")
			continue
		}
		rel, _ := filepath.Rel(root, path)
		var size int64
		if info, err := e.Info(); err == nil {
			size = info.Size()
		}
		c.add(fileJob{abs: path, name: filepath.ToSlash(rel), show: show, size: size})
	}
}

// gone lists, in order, the absolute paths of space's files in the manifest
// under the walked folders that are really gone: not found this time, in a
// folder that was listed completely, and absent from the file system (or
// now a folder). A file that cannot be checked is reported and kept. Other
// spaces' copies of a file are theirs: an ingest into one space never
// removes them.
func (c *collection) gone(man *manifest, space string) []string {
	var out []string
	for key, f := range man.Files {
		if f.Space != space {
			continue
		}
		abs := strings.TrimPrefix(key, spaceKey(space, ""))
		if c.have[abs] || !under(abs, c.roots) || under(abs, c.unread) {
			continue
		}
		st, err := lstat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist), err == nil && st.IsDir():
			out = append(out, abs)
		case err != nil:
			c.skip(abs, "cannot tell whether it was deleted ("+errReason(err)+"); its articles are kept")
		}
	}
	sort.Strings(out)
	return out
}

// under reports whether path lies inside one of the folders dirs.
func under(path string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
