package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
)

// Buttons carry their state in the custom_id (at most 100 characters); the
// bot keeps no session on the server, so a button works after a restart and
// on any replica.
//
//	p|<cmd>|<page>|<flags>|<since>|<until>|<source>|<author>|<query>   paging (◀ ▶)
//	c|<article-id>#<n>                                                Context of ¶n, shared copy
//	cs|<article-id>#<n>                                               Context of ¶n, this server's copy
//	f|u  f|d                                                          👍 / 👎
//
// cmd is "a" (/ask) or "s" (/search); page is the page the button leads to;
// since/until are resolved dates (YYYY-MM-DD) so a page means the same thing
// tomorrow; '|' and '%' inside values are percent-encoded. The query goes last
// and is cut to fit. When it is cut, flags holds "t" and the first 8 hex
// digits of the SHA-256 of the whole query, and the handler reads the whole
// query back from the first line of the message carrying the button (where
// the renderer always writes it, escaped) and checks it against the hash. If
// even the filters do not fit, the message simply has no paging buttons.
//
// The same article id may exist in the shared space and in a server's space
// (two articles), so a Context button names the copy: "c" the shared one,
// "cs" the one in the space of the server the button is clicked in. It never
// carries a server id: a button is answered in the scope of the interaction
// that clicks it, so a custom_id built by hand cannot reach another server's
// space. (Buttons made before spaces existed are "c", and everything was
// shared then.)
//
// A Context button whose passage id does not fit is left out; feedback
// buttons need nothing beyond the message they sit on.
const (
	idPage          = "p"
	idContext       = "c"
	idContextServer = "cs"
	idFeedback      = "f"
)

type pageState struct {
	Cmd       string // "a" or "s"
	Page      int
	Since     string
	Until     string
	Source    string
	Author    string
	Query     string
	Truncated bool   // Query is a prefix of the real query
	Hash      string // of the whole query, when Truncated
}

var idEscaper = strings.NewReplacer("%", "%25", "|", "%7C")
var idUnescaper = strings.NewReplacer("%25", "%", "%7C", "|")

// queryHash is the short hash that ties a cut query to its message.
func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:4])
}

// encode returns the custom_id for s, or ok=false when the fixed part alone
// leaves too little room for the query.
func (s pageState) encode() (string, bool) {
	prefix := func(flags string) string {
		return strings.Join([]string{idPage, s.Cmd, strconv.Itoa(s.Page), flags, s.Since, s.Until,
			idEscaper.Replace(s.Source), idEscaper.Replace(s.Author)}, "|") + "|"
	}
	q := idEscaper.Replace(s.Query)
	if id := prefix("") + q; textLen(id) <= maxCustomID {
		return id, true
	}
	p := prefix("t" + queryHash(s.Query))
	room := maxCustomID - textLen(p)
	if room < 10 {
		return "", false
	}
	// Cut the query (not its escaped form) on a rune boundary until it fits.
	cut := s.Query
	for textLen(idEscaper.Replace(cut)) > room {
		_, size := utf8.DecodeLastRuneInString(cut)
		cut = cut[:len(cut)-size]
	}
	return p + idEscaper.Replace(cut), true
}

// decodePage parses a paging custom_id. It never panics on foreign input.
func decodePage(id string) (pageState, bool) {
	parts := strings.SplitN(id, "|", 9)
	if len(parts) != 9 || parts[0] != idPage || (parts[1] != "a" && parts[1] != "s") {
		return pageState{}, false
	}
	page, err := strconv.Atoi(parts[2])
	if err != nil || page < 1 || page > 1000 {
		return pageState{}, false
	}
	s := pageState{
		Cmd: parts[1], Page: page, Since: parts[4], Until: parts[5],
		Source: idUnescaper.Replace(parts[6]), Author: idUnescaper.Replace(parts[7]),
		Query: idUnescaper.Replace(parts[8]),
	}
	if f := parts[3]; strings.HasPrefix(f, "t") {
		s.Truncated, s.Hash = true, f[1:]
	}
	return s, true
}

// contextID is the custom_id of the Context button of a passage of space
// (briefbot.SharedSpace, or the server the answer was given in), or "" when
// the passage id is too long to carry.
func contextID(passageID, space string) string {
	kind := idContext
	if space != briefbot.SharedSpace {
		kind = idContextServer
	}
	id := kind + "|" + passageID
	if passageID == "" || textLen(id) > maxCustomID {
		return ""
	}
	return id
}

// customIDLabel describes a custom_id for the logs without the user text it
// may carry (a paging button holds the question, a Context button an article
// id): the button's kind, for paging the command and the page, and the id's
// length.
func customIDLabel(id string) string {
	n := " len=" + strconv.Itoa(textLen(id))
	kind, rest, _ := strings.Cut(id, "|")
	switch kind {
	case idPage:
		if st, ok := decodePage(id); ok {
			cmd := "ask"
			if st.Cmd == "s" {
				cmd = "search"
			}
			return "page:" + cmd + ":" + strconv.Itoa(st.Page) + n
		}
	case idContext:
		return "context" + n
	case idContextServer:
		return "context:server" + n
	case idFeedback:
		if rest == "u" || rest == "d" {
			return "feedback:" + rest
		}
	}
	return "unknown" + n
}
