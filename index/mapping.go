package index

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion is the version of the index layout this code writes. Bump it
// whenever buildMapping or paraDoc change in a way that old indexes would
// answer wrongly; Open then refuses old indexes with ErrMappingChanged.
const MappingVersion = 1

// Field names of a paragraph document.
const (
	fText      = "text"      // paragraph text: English, stored, term vectors
	fTitle     = "title"     // article title: English, index only (weak evidence)
	fAID       = "aid"       // article id: keyword
	fSource    = "source"    // lowercased source: keyword
	fAuthor    = "author"    // lowercased author: keyword
	fPublished = "published" // datetime; unknownDate when the article has none
	fN         = "n"         // paragraph number
	fHash      = "hash"      // normalized-text hash: keyword, stored, for collapsing duplicates
)

// docType is the only document type in the index.
const docType = "para"

// internal keys stored with SetInternal.
const (
	keyMappingVersion = "briefbot.mapping_version"
	keyManifest       = "briefbot.manifest"
)

// unknownDate is indexed for articles without a publication date. It sorts
// before every real news date, so an "as of" limit keeps such articles (they
// are not known to be from the future) while a "since" limit drops them.
var unknownDate = time.Unix(0, 0).UTC()

// paraDoc is one paragraph (or paragraph part) as handed to Bleve. The
// document id is corpus.Paragraph.Key, from which the article id, paragraph
// number and part are recovered, so they need not be stored.
type paraDoc struct {
	Text      string    `json:"text"`
	Title     string    `json:"title"`
	AID       string    `json:"aid"`
	Source    string    `json:"source"`
	Author    string    `json:"author"`
	Published time.Time `json:"published"`
	N         float64   `json:"n"`
	Hash      string    `json:"hash"`
}

// BleveType picks the explicit document mapping.
func (paraDoc) BleveType() string { return docType }

// buildMapping is the explicit index mapping: nothing is indexed dynamically,
// there is no _all field (field-less queries go to text through DefaultField),
// and only text carries term vectors (for phrases and highlighting), since
// every extra indexed or stored byte costs ingest speed.
func buildMapping() *mapping.IndexMappingImpl {
	textField := func(store, vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keywordField := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.Dynamic = false
	// No composite _all field: building it costs ingest time even when no
	// field is included in it.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	doc.AddFieldMappingsAt(fText, textField(true, true))
	doc.AddFieldMappingsAt(fTitle, textField(false, false))
	doc.AddFieldMappingsAt(fAID, keywordField(false))
	doc.AddFieldMappingsAt(fSource, keywordField(false))
	doc.AddFieldMappingsAt(fAuthor, keywordField(false))
	doc.AddFieldMappingsAt(fHash, keywordField(true))

	pub := bleve.NewDateTimeFieldMapping()
	pub.Store = false
	pub.IncludeInAll = false
	pub.DocValues = false
	doc.AddFieldMappingsAt(fPublished, pub)

	n := bleve.NewNumericFieldMapping()
	n.Store = false
	n.IncludeInAll = false
	n.DocValues = false
	doc.AddFieldMappingsAt(fN, n)

	m := bleve.NewIndexMapping()
	m.DefaultType = docType
	m.AddDocumentMapping(docType, doc)
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultField = fText
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.ScoringModel = "bm25"
	return m
}

// textHash is the hash of a paragraph's normalized text: lowercase letters and
// digits with single spaces between words, so syndicated copies that differ
// only in punctuation, quotes or spacing collapse together.
func textHash(s string) string {
	h := fnv.New64a()
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		} else {
			space = true
		}
	}
	h.Write([]byte(b.String()))
	return strconv.FormatUint(h.Sum64(), 16)
}
