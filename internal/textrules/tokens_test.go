package textrules

import (
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"The U.S. paid $2.6m", "the u s paid 2 6m"},
		{"don't stop", "don t stop"},
		{"``Ça va'' Zürich's 3,000", "ça va zürich s 3 000"},
		{"ÉLYSÉE — Macron’s", "élysée macron s"},
		{"— !? …", ""},
		{"", ""},
	} {
		if got := strings.Join(Tokens(tt.in), " "); got != tt.want {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// AppendTokens reuses the buffer it is given.
	buf := AppendTokens(make([]string, 0, 8), "One two")
	if got := AppendTokens(buf[:0], "Three"); !slices.Equal(got, []string{"three"}) || &got[0] != &buf[0] {
		t.Errorf("AppendTokens did not reuse the buffer: %q", got)
	}
}

func TestWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []Word
	}{
		{"The U.S. paid $1,000.", []Word{{"The", 0, 3}, {"U.S", 4, 7}, {"paid", 9, 13}, {"1,000", 15, 20}}},
		{"don't, dogs' ‘x’", []Word{{"don't", 0, 5}, {"dogs", 7, 11}, {"x", 16, 17}}},
		{"Zürich 3.5", []Word{{"Zürich", 0, 7}, {"3.5", 8, 11}}},
		{"...,'", nil},
	} {
		var got []Word
		for i, w := range Words(tt.in) {
			if i != len(got) {
				t.Errorf("Words(%q): index %d for word %d", tt.in, i, len(got))
			}
			if w.Text != tt.in[w.Start:w.End] {
				t.Errorf("Words(%q): %q is not its span [%d:%d]", tt.in, w.Text, w.Start, w.End)
			}
			got = append(got, w)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// Stopping early stops the scan.
	n := 0
	for range Words("a b c d") {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("Words yielded %d words after a break", n)
	}
}

func TestLower(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "ABC": "abc", "Ça": "ça", "x1": "x1"} {
		if got := Lower(in); got != want {
			t.Errorf("Lower(%q) = %q, want %q", in, got, want)
		}
	}
}
