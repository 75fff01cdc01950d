package index

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/briefbot/briefbot"
)

// manifest records what the index holds, so that re-ingesting skips
// unchanged files by hash and replaces or removes exactly the paragraph
// documents of changed articles. It also carries the articles' citation
// metadata, so hits need only the stored paragraph text.
//
// It is stored with SetInternal inside the last Bleve batch of each ingest,
// so it commits atomically with that batch. A crash mid-ingest leaves the
// previous manifest; the next ingest redoes the unfinished files and deletes
// any orphaned paragraph documents (see writer.orphans).
type manifest struct {
	Files    map[string]*fileEntry    `json:"files"`    // spaceKey(space, absolute file path) ->
	Articles map[string]*articleEntry `json:"articles"` // spaceKey(space, article id) ->

	paragraphs int       // sum of len(Paras), derived
	latest     time.Time // no article is published after it (it may be later than the latest); derived
	// spaces counts the articles and paragraphs of each space, derived;
	// its server spaces decide whether a scope hides anything (hides).
	spaces map[string]spaceCount

	// copies finds, during one ingest, the copies of each article written
	// among what the space's scope sees (copies.go). Only a writer's
	// working copy has one, built on its first article written; fill,
	// which publishes the working copy, drops it, and clone leaves it out.
	copies *copyFinder
}

// spaceCount is what one space holds; latest is its latest publication.
type spaceCount struct {
	articles, paragraphs int
	latest               time.Time
}

type fileEntry struct {
	Hash     string   `json:"hash"`            // sha256 of the file's bytes
	Articles []string `json:"articles"`        // ids read from it (including ones skipped as duplicates of ids elsewhere)
	Space    string   `json:"space,omitempty"` // the space it was ingested into
}

type articleEntry struct {
	Space     string    `json:"space,omitempty"` // briefbot.SharedSpace or a server id
	Hash      string    `json:"hash"`            // of everything indexed: detects changes
	Content   string    `json:"content"`         // of the normalized paragraph texts: detects the same article under two names
	File      string    `json:"file,omitempty"`  // absolute path of its file; "" when upserted from memory
	Path      string    `json:"path,omitempty"`  // briefbot.Article.Path
	Title     string    `json:"title,omitempty"`
	Author    string    `json:"author,omitempty"`
	Source    string    `json:"source,omitempty"`
	URL       string    `json:"url,omitempty"`
	Published time.Time `json:"published"`
	Paras     [][2]int  `json:"paras"` // (N, Part) of each stored paragraph document, in order
	// Sig is the article's near-duplicate signature in neardup's compact
	// form (base64 in the JSON, 348 characters): Ask groups another
	// outlet's copy of a passage under it (copies.go). Nil for articles
	// written before signatures were stored; those are never grouped until
	// their file is read again (or the index rebuilt).
	Sig []byte `json:"sig,omitempty"`
}

func newManifest() *manifest {
	return &manifest{Files: map[string]*fileEntry{}, Articles: map[string]*articleEntry{}}
}

// fill makes a decoded manifest usable.
func (m *manifest) fill() {
	if m.Files == nil {
		m.Files = map[string]*fileEntry{}
	}
	if m.Articles == nil {
		m.Articles = map[string]*articleEntry{}
	}
	m.paragraphs = 0
	m.copies = nil
	m.spaces = map[string]spaceCount{}
	for _, a := range m.Articles {
		m.paragraphs += len(a.Paras)
		c := m.spaces[a.Space]
		c.articles++
		c.paragraphs += len(a.Paras)
		if a.Published.After(c.latest) {
			c.latest = a.Published
		}
		m.spaces[a.Space] = c
		if a.Published.After(m.latest) {
			m.latest = a.Published
		}
	}
}

// clone copies the maps; entries are immutable and shared.
func (m *manifest) clone() *manifest {
	c := &manifest{
		Files:      make(map[string]*fileEntry, len(m.Files)),
		Articles:   make(map[string]*articleEntry, len(m.Articles)),
		paragraphs: m.paragraphs,
		latest:     m.latest,
		spaces:     m.spaces,
	}
	for k, v := range m.Files {
		c.Files[k] = v
	}
	for k, v := range m.Articles {
		c.Articles[k] = v
	}
	return c
}

// ref is the citation of the article under manifest key key.
func (a *articleEntry) ref(key string) briefbot.ArticleRef {
	return briefbot.ArticleRef{ID: a.id(key), Title: a.Title, Author: a.Author, Published: a.Published,
		Source: a.Source, URL: a.URL, Space: a.Space}
}

// id is the article id of the entry under manifest key key.
func (a *articleEntry) id(key string) string {
	if a.Space == briefbot.SharedSpace {
		return key
	}
	return strings.TrimPrefix(key, a.Space+spaceSep)
}

// keys are the Bleve document ids of the article's paragraphs; key is its
// manifest key.
func (a *articleEntry) keys(key string) []string {
	ks := make([]string, len(a.Paras))
	for i, p := range a.Paras {
		ks[i] = briefbot.Paragraph{N: p[0], Part: p[1]}.Key(key)
	}
	return ks
}

// newEntry describes art, of space, for the manifest.
func newEntry(art *briefbot.Article, space, file string) *articleEntry {
	e := &articleEntry{
		Space: space, File: file, Path: art.Path, Title: art.Title, Author: art.Author, Source: art.Source, URL: art.URL,
		Published: art.Published,
		Paras:     make([][2]int, len(art.Paragraphs)),
	}
	all := sha256.New()
	content := sha256.New()
	for _, s := range []string{art.Title, art.Author, art.Source, art.URL, art.Published.UTC().Format(time.RFC3339Nano)} {
		all.Write([]byte(s))
		all.Write([]byte{0})
	}
	for i, p := range art.Paragraphs {
		e.Paras[i] = [2]int{p.N, p.Part}
		all.Write([]byte(strconv.Itoa(p.N) + "." + strconv.Itoa(p.Part) + "\x00" + p.Text + "\x00"))
		content.Write([]byte(textHash(p.Text) + "\x00"))
	}
	e.Hash = hex.EncodeToString(all.Sum(nil)[:16])
	if len(art.Paragraphs) > 0 {
		e.Content = hex.EncodeToString(content.Sum(nil)[:16])
	}
	return e
}
