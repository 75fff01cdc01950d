package neardup

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCompactRoundTrip(t *testing.T) {
	arts := fixtures()
	for _, a := range arts {
		full := Sign(a)
		b := AppendCompact(nil, &full)
		if len(b) != compactLen {
			t.Fatalf("%s: compact form of %d bytes, want %d", a.ID, len(b), compactLen)
		}
		got, err := ParseCompact(b)
		if err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		if got != Compact(&full) {
			t.Errorf("%s: parsed %+v, want Compact's %+v", a.ID, got.Shingles, full.Shingles)
		}
	}
	if _, err := ParseCompact([]byte{Version + 1}); !errors.Is(err, ErrFormat) {
		t.Errorf("another format: err %v, want ErrFormat", err)
	}
	var none []byte
	if _, err := ParseCompact(none); !errors.Is(err, ErrFormat) {
		t.Errorf("no bytes: err %v, want ErrFormat", err)
	}
}

// Compacting keeps the decisions: every pair of the fixtures is a copy, or
// not, the same way, and its similarity moves by at most a few agreements.
func TestCompactKeepsSimilarity(t *testing.T) {
	arts := fixtures()
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			fa, fb := Sign(arts[i]), Sign(arts[j])
			ca, cb := Compact(&fa), Compact(&fb)
			full, comp := Similarity(&fa, &fb), Similarity(&ca, &cb)
			if comp < full || comp > full+3.0/NumHashes {
				t.Errorf("%s~%s: compact similarity %.3f, full %.3f", arts[i].ID, arts[j].ID, comp, full)
			}
			if (Options{}).Copies(&fa, &fb) != (Options{}).Copies(&ca, &cb) {
				t.Errorf("%s~%s: compacting changed whether they are copies", arts[i].ID, arts[j].ID)
			}
		}
	}
}

func TestCopiesNeedsLongBodies(t *testing.T) {
	arts := fixtures()
	wire, a, brief := Sign(arts[0]), Sign(arts[1]), Sign(arts[4])
	if !(Options{}).Copies(&wire, &a) {
		t.Errorf("wire and outlet A are not copies")
	}
	if (Options{}).Copies(&brief, &brief) {
		t.Errorf("a brief under MinShingles is a copy of itself")
	}
	if (Options{}).Grouped(&brief) || !(Options{}).Grouped(&wire) {
		t.Errorf("Grouped: brief %v, wire %v", (Options{}).Grouped(&brief), (Options{}).Grouped(&wire))
	}
}

func TestSimilarFindsCopiesWithoutAdding(t *testing.T) {
	arts := fixtures()
	ix := NewIndex(Options{})
	for _, a := range arts[1:] { // all but the wire story
		s := Sign(a)
		ix.Add(a.ID, a.Published, &s)
	}
	wire := Sign(arts[0])
	got := ix.Similar(&wire)
	slices.Sort(got)
	if want := []string{"a-1", "b-1"}; !slices.Equal(got, want) {
		t.Errorf("Similar(wire) = %v, want %v", got, want)
	}
	if ix.Len() != len(arts)-1 {
		t.Errorf("Similar added the signature: %d entries", ix.Len())
	}
	brief := Sign(arts[4])
	if got := ix.Similar(&brief); got != nil {
		t.Errorf("Similar(brief) = %v, want none (too short)", got)
	}
}

func TestTextSimilarity(t *testing.T) {
	p := wireParas[3]
	for _, c := range []struct {
		name   string
		a, b   string
		lo, hi float64
	}{
		{"same", p, p, 1, 1},
		{"one word changed", p, strings.Replace(p, "four percent", "4 per cent", 1), 0.7, 0.95},
		{"another paragraph of the story", p, wireParas[4], 0, 0.1},
		{"empty", p, "", 0, 0},
		{"short", "Talks failed.", "talks failed", 1, 1},
	} {
		if s := TextSimilarity(c.a, c.b); s < c.lo || s > c.hi {
			t.Errorf("%s: %.3f, want in [%.2f, %.2f]", c.name, s, c.lo, c.hi)
		}
	}
}
