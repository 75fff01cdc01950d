package atomicfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteJSONReplacesWholeAndLeavesNoTemp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "x.json")
	for _, v := range []map[string]int{{"a": 1, "b": 2}, {"c": 3}} {
		if err := WriteJSON(path, v); err != nil {
			t.Fatal(err)
		}
		var got map[string]int
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &got); err != nil || len(got) != len(v) {
			t.Fatalf("read back %v (%v), want %v", got, err, v)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only x.json", len(entries))
	}
}
