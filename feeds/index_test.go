package feeds

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
)

// indexStore is the Store cmd/briefbot builds over the index.
type indexStore struct{ ix *index.Index }

func (s indexStore) UpsertArticles(ctx context.Context, space string, arts []briefbot.Article) (Upserted, error) {
	rep, err := s.ix.Upsert(ctx, space, arts)
	return Upserted{Added: rep.Added, Updated: rep.Updated, Unchanged: rep.Unchanged}, err
}

// TestPollIntoARealIndex: a polled item, then its edit, are answerable
// from a real Bleve index.
func TestPollIntoARealIndex(t *testing.T) {
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	item := func(extra string) string {
		return rss2(rssItem("gl-1", "https://townhall.example.org/glasshouse", "Glasshouse restoration",
			body("glasshouse")+" The restored glasshouse will hold a collection of rare orchids."+extra))
	}
	srv := newServer(t, "application/rss+xml", item(""))
	r := newRig(t, Options{Store: indexStore{ix}})
	r.subscribe(t, srv.URL, time.Hour)
	if res := r.pollOne(t); res.Err != nil || res.Added != 1 {
		t.Fatalf("poll: %v", res)
	}
	ask := func(q string) string {
		t.Helper()
		ans, err := ix.Ask(context.Background(), q, briefbot.AskOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, p := range ans.Passages {
			texts = append(texts, p.Text)
		}
		return strings.Join(texts, "\n")
	}
	if got := ask("what will the restored glasshouse hold?"); !strings.Contains(got, "rare orchids") {
		t.Fatalf("Ask did not find the item's text; passages:\n%s", got)
	}
	r.clock.Advance(time.Hour)
	srv.set(func(s *server) { s.body = item(" Its doors open to visitors on the first of June.") })
	if res := r.pollOne(t); res.Err != nil || res.Changed != 1 || res.Updated != 1 {
		t.Fatalf("poll after an edit: %v", res)
	}
	if got := ask("when do the glasshouse doors open to visitors?"); !strings.Contains(got, "first of June") {
		t.Errorf("Ask did not find the edited text; passages:\n%s", got)
	}
}
