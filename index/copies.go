package index

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/neardup"
)

// One story, many outlets (issue 14 §4). Every article is signed as it is
// written (writer.article stores neardup's signature in its manifest
// entry); an ingest counts the articles it writes that copy one the
// space's scope already sees (IngestReport.Copies); and Ask shows a
// passage that other outlets carry once, naming the copies in its AlsoIn.
//
// No group is ever stored or computed over the whole index: a chain of
// copies through another server's article (A1 like B1, A1 like S1) would
// tie together two articles the asker's scope sees through one it does
// not. Copies are decided pair by pair, from the two articles' stored
// signatures, among what the scope sees.

// dupOpts are the measured defaults (docs/neardup-groups.md).
var dupOpts = neardup.Options{}

// sameParagraph is the TextSimilarity at which a copy's paragraph is the
// passage itself, lightly edited; the copies' other paragraphs stay
// passages of their own (of the same story).
const sameParagraph = 0.5

// sign stores art's signature in e.
func (e *articleEntry) sign(art *briefbot.Article) {
	sig := neardup.Sign(*art)
	e.Sig = neardup.AppendCompact(nil, &sig)
}

// signature is the entry's stored signature, when it has one long enough
// to be grouped (neardup's MinShingles).
func (e *articleEntry) signature() (neardup.Signature, bool) {
	if e.Sig == nil {
		return neardup.Signature{}, false
	}
	sig, err := neardup.ParseCompact(e.Sig)
	if err != nil || !dupOpts.Grouped(&sig) {
		return neardup.Signature{}, false
	}
	return sig, true
}

// copyFinder looks up, during one ingest, the articles an article written
// copies. Its LSH holds every signed article the written space's scope
// sees, and each version of an article written since; the manifest
// decides, since an article updated or removed since leaves its old
// versions in the LSH.
type copyFinder struct {
	lsh     *neardup.Index
	written int // versions added, to keep their LSH ids apart
}

func newCopyFinder(m *manifest, space string) *copyFinder {
	f := &copyFinder{lsh: neardup.NewIndex(dupOpts)}
	sc := briefbot.Scope{Server: space}
	for key, a := range m.Articles {
		if !sc.Sees(a.Space) {
			continue
		}
		if sig, ok := a.signature(); ok {
			f.lsh.Add(key, a.Published, &sig)
		}
	}
	return f
}

// noteCopy counts in the report the article just written under manifest
// key key (entry e) when it copies another the space's scope sees, and
// remembers it for the articles written after it.
func (w *writer) noteCopy(key string, e *articleEntry) {
	sig, ok := e.signature()
	if !ok {
		return
	}
	f := w.man.copies
	if f == nil {
		f = newCopyFinder(w.man, w.space)
		w.man.copies = f
	}
	for _, id := range f.lsh.Similar(&sig) {
		k := id
		if i := strings.LastIndexByte(id, 0); i >= 0 {
			k = id[:i]
		}
		if k == key {
			continue
		}
		if o := w.man.Articles[k]; o != nil {
			if osig, ok := o.signature(); ok && dupOpts.Copies(&sig, &osig) {
				w.rep.Copies++
				break
			}
		}
	}
	f.written++
	f.lsh.Add(key+"\x00"+strconv.Itoa(f.written), e.Published, &sig)
}

// sigCache holds one answer's decoded signatures, nil for an article that
// is not grouped (unsigned, or too short).
type sigCache map[*articleEntry]*neardup.Signature

func (sc sigCache) of(a *articleEntry) *neardup.Signature {
	if s, ok := sc[a]; ok {
		return s
	}
	var p *neardup.Signature
	if sig, ok := a.signature(); ok {
		p = &sig
	}
	sc[a] = p
	return p
}

// copies reports whether a and b are two articles of one story.
func (sc sigCache) copies(a, b *articleEntry) bool {
	if a == b {
		return false
	}
	sa, sb := sc.of(a), sc.of(b)
	return sa != nil && sb != nil && dupOpts.Copies(sa, sb)
}

// copyOf is the index of the chosen candidate c repeats, as another
// article's copy of the same paragraph, or -1.
func (sc sigCache) copyOf(c *candidate, chosen []*candidate) int {
	for i, p := range chosen {
		if c.aid == p.aid || !sc.copies(c.art, p.art) {
			continue
		}
		if c.hash == p.hash || nearKey(c.text) == nearKey(p.text) || neardup.TextSimilarity(c.text, p.text) >= sameParagraph {
			return i
		}
	}
	return -1
}

// alsoIn lists the copies of passage p: the earliest published first
// (undated last), one per outlet, none from p's own outlet.
func alsoIn(p *candidate, copies []*candidate) []briefbot.Copy {
	slices.SortStableFunc(copies, func(a, b *candidate) int {
		return neardup.CompareDated(a.art.Published, a.aid, b.art.Published, b.aid)
	})
	outlets := map[string]bool{outlet(p.art, p.aid): true}
	var out []briefbot.Copy
	for _, c := range copies {
		o := outlet(c.art, c.aid)
		if outlets[o] {
			continue
		}
		outlets[o] = true
		ref := c.art.ref(c.aid)
		out = append(out, briefbot.Copy{Article: ref, Paragraph: c.n, ID: briefbot.ParagraphID(ref.ID, c.n)})
	}
	return out
}

// outlet names an article's publisher: its source, else its link's host,
// else nothing known, and then the article is an outlet of its own.
func outlet(a *articleEntry, key string) string {
	if s := strings.ToLower(strings.TrimSpace(a.Source)); s != "" {
		return "source:" + s
	}
	if u, err := url.Parse(a.URL); err == nil && u.Host != "" {
		return "host:" + strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	}
	return "article:" + key
}

// countStories is the number of stories among the passages of chosen:
// passages of one article, or of articles that are copies, count once.
func (sc sigCache) countStories(chosen []*candidate) int {
	root := make([]int, len(chosen))
	for i := range root {
		root[i] = i
	}
	find := func(i int) int {
		for root[i] != i {
			i = root[i]
		}
		return i
	}
	stories := len(chosen)
	for i := range chosen {
		for j := range i {
			if chosen[i].aid != chosen[j].aid && !sc.copies(chosen[i].art, chosen[j].art) {
				continue
			}
			if ri, rj := find(i), find(j); ri != rj {
				root[ri] = rj
				stories--
			}
		}
	}
	return stories
}
