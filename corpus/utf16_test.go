package corpus

import (
	"encoding/binary"
	"reflect"
	"testing"
	"unicode/utf16"
)

// utf16File encodes text as a UTF-16 file with a byte-order mark, as
// Windows editors save "Unicode" text.
func utf16File(text string, order binary.AppendByteOrder) []byte {
	units := append([]uint16{0xFEFF}, utf16.Encode([]rune(text))...)
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

func TestUTF16FilesAreRead(t *testing.T) {
	text := "Harbour report\n\nThe ferry to Skärgård resumed on Monday — after a storm.\n\nFares stay at €4.\n"
	want, warns := Parse("note.txt", []byte(text))
	if len(want) != 1 || len(warns) != 0 {
		t.Fatalf("UTF-8 reference: %d articles, warnings %v", len(want), warns)
	}
	for name, order := range map[string]binary.AppendByteOrder{"little endian": binary.LittleEndian, "big endian": binary.BigEndian} {
		got, warns := Parse("note.txt", utf16File(text, order))
		if len(warns) != 0 || len(got) != 1 {
			t.Errorf("%s: %d articles, warnings %v", name, len(got), warns)
			continue
		}
		if !reflect.DeepEqual(got[0].Paragraphs, want[0].Paragraphs) || got[0].Title != want[0].Title {
			t.Errorf("%s: read as %q %+v, want %q %+v", name, got[0].Title, got[0].Paragraphs, want[0].Title, want[0].Paragraphs)
		}
	}
	// A real binary file keeps its message, BOM-like first bytes or not.
	for _, data := range [][]byte{{0x00, 0x01, 0x02, 'b', 'i', 'n', 0x00}, {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}} {
		arts, warns := Parse("blob.txt", data)
		if len(arts) != 0 || len(warns) != 1 || warns[0].Reason != "binary file skipped" {
			t.Errorf("binary %x: %d articles, warnings %v", data[:4], len(arts), warns)
		}
	}
}
