package index

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion is the version of the index layout this code writes. Bump it
// whenever buildMapping or paraDoc change in a way that old indexes would
// answer wrongly; Open then refuses old indexes with ErrMappingChanged.
//
// Version 3 added the space field. A version 2 index is upgraded in place
// when opened for writing (see upgradeMapping): it holds the shared space
// only, whose paragraphs have no space field, so nothing is re-indexed.
const MappingVersion = 3

// Field names of a paragraph document.
const (
	fText      = "text"      // paragraph text: English, stored, term vectors
	fTitle     = "title"     // article title: English, index only, on the article's first paragraph only
	fAID       = "aid"       // article id: keyword
	fSource    = "source"    // lowercased source: keyword
	fAuthor    = "author"    // lowercased author: keyword
	fPublished = "published" // datetime; unknownDate when the article has none
	fN         = "n"         // paragraph number, as a keyword: one term, where a number field costs sixteen
	fHash      = "hash"      // normalized-text hash: keyword, stored (not searched), for collapsing duplicates
	fSpace     = "space"     // server space: keyword, spaceAny and the server id; absent in the shared space
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
// document id is briefbot.Paragraph.Key, from which the article id, paragraph
// number and part are recovered, so they need not be stored.
type paraDoc struct {
	Text      string    `json:"text"`
	Title     string    `json:"title"`
	AID       string    `json:"aid"`
	Source    string    `json:"source"`
	Author    string    `json:"author"`
	Published time.Time `json:"published"`
	N         string    `json:"n"`
	Hash      string    `json:"hash"`
	Space     []string  `json:"space"` // spaceTerms: nil in the shared space, so it costs nothing there
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
	hash := keywordField(true)
	hash.Index = false // only read back from hits
	doc.AddFieldMappingsAt(fHash, hash)
	doc.AddFieldMappingsAt(fN, keywordField(false))
	doc.AddFieldMappingsAt(fSpace, keywordField(false))

	pub := bleve.NewDateTimeFieldMapping()
	pub.Store = false
	pub.IncludeInAll = false
	pub.DocValues = false
	doc.AddFieldMappingsAt(fPublished, pub)

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
	const offset, prime = 14695981039346656037, 1099511628211 // FNV-1a, 64 bit
	h := uint64(offset)
	var buf [utf8.UTFMax]byte
	space, started := false, false
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			space = true
			continue
		}
		if space && started {
			h = (h ^ ' ') * prime
		}
		space, started = false, true
		n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
		for _, c := range buf[:n] {
			h = (h ^ uint64(c)) * prime
		}
	}
	return strconv.FormatUint(h, 16)
}
