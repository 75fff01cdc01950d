package corpus

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// encodePage writes an HTML page in enc, declaring it with meta (which may
// be "" for no declaration in the page).
func encodePage(t *testing.T, enc encoding.Encoding, meta, title, body string) []byte {
	t.Helper()
	page := "<html><head>" + meta + "<title>" + title + "</title></head><body><article><p>" + body + "</p></article></body></html>"
	out, err := enc.NewEncoder().Bytes([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHTMLDeclaredCharset: a page in another encoding is read in the one it
// declares, from the Content-Type header or from a <meta> tag; a page whose
// label says Latin-1 but whose bytes are UTF-8 keeps its UTF-8.
func TestHTMLDeclaredCharset(t *testing.T) {
	cyrillic := "Совет города утвердил новый бюджет на ремонт мостов и дорог в этом году."
	jaText := "市議会は今年度の橋と道路の補修予算を承認したと発表した。"
	for _, tc := range []struct {
		name, contentType string
		data              []byte
		want              string
	}{
		{"meta charset koi8-r", "", encodePage(t, charmap.KOI8R, `<meta charset="koi8-r">`, "Бюджет", cyrillic), cyrillic},
		{"http-equiv shift_jis", "", encodePage(t, japanese.ShiftJIS, `<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">`, "予算", jaText), jaText},
		{"Content-Type header", "text/html; charset=windows-1251", encodePage(t, charmap.Windows1251, "", "Бюджет", cyrillic), cyrillic},
		{"UTF-8 bytes labelled Latin-1", "text/html; charset=iso-8859-1", []byte("<html><body><article><p>" + cyrillic + "</p></article></body></html>"), cyrillic},
	} {
		arts, warns := ParseHTML(tc.data, "https://news.example/budget", tc.contentType)
		if len(arts) != 1 || len(arts[0].Paragraphs) == 0 {
			t.Errorf("%s: %d articles, warnings %v", tc.name, len(arts), warns)
			continue
		}
		if got := arts[0].Paragraphs[0].Text; got != tc.want {
			t.Errorf("%s: read %q, want %q (warnings %v)", tc.name, got, tc.want, warns)
		}
	}
	// A file on disk has no header: its <meta> decides.
	arts, warns := Parse("world/budget.html", encodePage(t, charmap.KOI8R, `<meta charset="koi8-r">`, "Бюджет", cyrillic))
	if len(arts) != 1 || len(arts[0].Paragraphs) == 0 || !strings.Contains(arts[0].Paragraphs[0].Text, "бюджет") {
		t.Errorf("KOI8-R file: %+v, warnings %v", arts, warns)
	}
}
