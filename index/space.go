package index

import (
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/briefbot/briefbot"
)

// Spaces (issue #11): every article belongs to the shared space or to one
// server's space, and the same article id may exist in several spaces as
// separate articles. The shared space keeps the keys indexes had before
// spaces existed (manifest key = article id, document id =
// Paragraph.Key(id)), so an old index is all shared space as it stands. A
// server space's manifest keys, and so its document ids and article-id
// terms, are "<server id>\x1f<article id>": article ids with the separator
// are refused at ingest, so no shared key can look like a server one.

// spaceSep separates a server id from the article id or file path it
// qualifies. A control character no reader puts in an id (they are refused
// in admit) and no path the corpus walker reports starts with.
const spaceSep = "\x1f"

// spaceAny is indexed in the space field of every server-space paragraph,
// beside its server id, so that "any server space" is one term.
const spaceAny = "server"

// spaceKey is the manifest key of an article id or file path in space.
func spaceKey(space, name string) string {
	if space == briefbot.SharedSpace {
		return name
	}
	return space + spaceSep + name
}

// checkSpace refuses a space that is neither shared nor a server id.
func checkSpace(space string) error {
	if space == briefbot.SharedSpace {
		return nil
	}
	if err := briefbot.CheckServerID(space); err != nil {
		return fmt.Errorf("space: %w", err)
	}
	return nil
}

// spaceTerms are the values of a paragraph's space field: none for the
// shared space (old indexes have none either), else spaceAny and the id.
func spaceTerms(space string) []string {
	if space == briefbot.SharedSpace {
		return nil
	}
	return []string{spaceAny, space}
}

// hides reports whether man holds articles sc does not see: only then does
// a read need a space filter at all, so an index with no server space (or
// with only sc's) is read as fast as before spaces.
func (m *manifest) hides(sc briefbot.Scope) bool {
	for s := range m.spaces {
		if !sc.Sees(s) {
			return true
		}
	}
	return false
}

// visible counts the articles and paragraphs sc sees.
func (m *manifest) visible(sc briefbot.Scope) spaceCount {
	var c spaceCount
	for s, n := range m.spaces {
		if sc.Sees(s) {
			c.articles += n.articles
			c.paragraphs += n.paragraphs
		}
	}
	return c
}

// latestSeen is the latest publication date of the articles sc sees: a
// hidden space's later articles must not change how a filter reads (see
// filter.effective). Until the next fill (during an ingest, whose readers
// use the committed manifest) it may lag behind; then man.latest stands.
func (m *manifest) latestSeen(sc briefbot.Scope) time.Time {
	if m.spaces == nil {
		return m.latest
	}
	var l time.Time
	for s, n := range m.spaces {
		if sc.Sees(s) && n.latest.After(l) {
			l = n.latest
		}
	}
	return l
}

// hiddenQuery matches the paragraph documents of the spaces sc does not
// see: every server space's but sc's own. Search excludes it (must not),
// so the restriction sits inside Bleve's query and its totals and pages
// are exact.
func hiddenQuery(sc briefbot.Scope) query.Query {
	anyServer := termQuery(spaceAny, fSpace, 0)
	if sc.Server == "" {
		return anyServer
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(anyServer)
	bq.AddMustNot(termQuery(sc.Server, fSpace, 0))
	return bq
}

// validID reports whether an article id can be stored: the space separator
// would let a shared id pass for a server space's key.
func validID(id string) bool { return !strings.Contains(id, spaceSep) }
