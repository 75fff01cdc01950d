package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

// TestIngestRefusesBatchOnFullDisk: with too little room for a batch (an
// injected figure: TestIngestOnFullDisk in cmd/briefbot mounts a real
// 20 MB tmpfs), Ingest stops at once with ErrDiskFull saying how much is
// free and needed, and what was committed before stays searchable.
func TestIngestRefusesBatchOnFullDisk(t *testing.T) {
	ix := newTestIndex(t)
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, "", testArticles()); err != nil {
		t.Fatal(err)
	}
	old := freeSpace
	freeSpace = func(string) (uint64, bool) { return 3 << 20, true }
	t.Cleanup(func() { freeSpace = old })

	more := make([]briefbot.Article, 30)
	for i := range more {
		more[i] = art(fmt.Sprintf("more-%d", i), "example.com", "", "2026-03-05", "More",
			"Another paragraph about the harbour festival, number "+fmt.Sprint(i)+".")
	}
	_, err := ix.Upsert(ctx, "", more)
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Upsert on a full disk: %v, want ErrDiskFull", err)
	}
	if !strings.Contains(err.Error(), "disk full: 3 MB free in ") || !strings.Contains(err.Error(), ", a batch needs about 5 MB") {
		t.Errorf("message %q", err)
	}
	sp, err := ix.Search(ctx, "Kursk", briefbot.SearchFilters{}, 1, 5)
	if err != nil || sp.Total == 0 {
		t.Errorf("search after the refusal: %+v, %v", sp, err)
	}
}
