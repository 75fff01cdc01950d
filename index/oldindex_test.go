package index

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/briefbot/briefbot"
)

// writeV2Index writes in dir an index as briefbot wrote it before spaces:
// mapping version 2 (no space field), paragraph documents keyed by
// Paragraph.Key(id), and a manifest whose entries name no space.
func writeV2Index(t *testing.T, dir string, arts []briefbot.Article) {
	t.Helper()
	m := buildMapping()
	delete(m.TypeMapping[docType].Properties, fSpace)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bl, err := bleve.NewUsing(filepath.Join(dir, bleveDir), m, scorch.Name, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	man := newManifest()
	b := bl.NewBatch()
	b.SetInternal([]byte(keyMappingVersion), []byte("2"))
	for i := range arts {
		a := &arts[i]
		man.Articles[a.ID] = newEntry(a, briefbot.SharedSpace, "")
		for j, p := range a.Paragraphs {
			doc := paraDoc{Text: p.Text, AID: a.ID, Source: strings.ToLower(a.Source), Author: strings.ToLower(a.Author),
				Published: a.Published, N: strconv.Itoa(p.N), Hash: textHash(p.Text)}
			if doc.Published.IsZero() {
				doc.Published = unknownDate
			}
			if j == 0 {
				doc.Title = a.Title
			}
			if err := b.Index(p.Key(a.ID), doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw, err := json.Marshal(man)
	if err != nil || strings.Contains(string(raw), `"space"`) {
		t.Fatalf("old manifest %s, %v", raw, err)
	}
	b.SetInternal([]byte(keyManifest), raw)
	if err := bl.Batch(b); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, lockName), "") // as every writer's open leaves it
}

func mappingVersion(t *testing.T, ix *Index) string {
	t.Helper()
	v, err := ix.bl.GetInternal([]byte(keyMappingVersion))
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// TestOldIndexOpensWithoutRebuild: an index of mapping version 2 opens
// (read-only as it is, for writing upgraded in place), answers as an index
// built today does, and then takes server spaces.
func TestOldIndexOpensWithoutRebuild(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "old")
	writeV2Index(t, dir, testArticles())
	fresh := newTestIndex(t)
	upsert(t, fresh, testArticles()...)
	opts := Options{Now: func() time.Time { return testNow }}

	ro, err := Open(dir, Options{Now: opts.Now, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a version 2 index: %v", err)
	}
	sameAnswers(t, ro, fresh)
	if v := mappingVersion(t, ro); v != "2" || ro.Version() != 2 {
		t.Errorf("a read-only open changed the version to %s (Version() %d)", v, ro.Version())
	}
	ro.Close()

	ix, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open of a version 2 index: %v", err)
	}
	if v := mappingVersion(t, ix); v != strconv.Itoa(MappingVersion) || ix.Version() != MappingVersion {
		t.Errorf("version %s (Version() %d) after the upgrade", v, ix.Version())
	}
	sameAnswers(t, ix, fresh)
	if _, err := ix.Upsert(ctx, serverA, aArticles()); err != nil {
		t.Fatal(err)
	}
	ix.Close()

	ix, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if im, ok := ix.bl.Mapping().(*mapping.IndexMappingImpl); !ok || im.TypeMapping[docType].Properties[fSpace] == nil {
		t.Error("the upgraded mapping was not kept")
	}
	sameAnswers(t, ix, fresh) // from the shared scope, A's articles are out of sight
	for sc, want := range map[briefbot.Scope]int{scopeA: 4, scopeB: 0, {}: 0} {
		sp, err := ix.Search(ctx, "quarrington", briefbot.SearchFilters{Scope: sc}, 1, 10)
		if err != nil || sp.Total != want {
			t.Errorf("search from %q after the upgrade: %d hits, %v; want %d", sc.Server, sp.Total, err, want)
		}
	}
}

// sameAnswers checks that got answers from the shared scope as want does.
func sameAnswers(t *testing.T, got, want *Index) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{"What happened in Kursk?", "defense spending", "Squid Game season"} {
		a, b := ask(t, got, q, briefbot.AskOptions{}), ask(t, want, q, briefbot.AskOptions{})
		if !reflect.DeepEqual(ids(a.Passages), ids(b.Passages)) || a.Articles != b.Articles {
			t.Errorf("ask %q: %v (%d articles), want %v (%d)", q, ids(a.Passages), a.Articles, ids(b.Passages), b.Articles)
		}
		s, err1 := got.Search(ctx, q, briefbot.SearchFilters{}, 1, 10)
		w, err2 := want.Search(ctx, q, briefbot.SearchFilters{}, 1, 10)
		if err1 != nil || err2 != nil || s.Total != w.Total || !reflect.DeepEqual(ids(s.Passages), ids(w.Passages)) {
			t.Errorf("search %q: %v %v, want %v %v (%v %v)", q, s.Total, ids(s.Passages), w.Total, ids(w.Passages), err1, err2)
		}
	}
}
