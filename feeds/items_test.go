package feeds

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

func teaserPage(subject string) string {
	return `<!DOCTYPE html><html><head><title>Library hours</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Library hours</h1>
<p>` + body(subject) + `</p>
<p>The ` + subject + ` trustees will publish the new opening hours on their notice board next week.</p>
</article><footer>Contact us</footer></body></html>`
}

// TestTeaserReadsThePage: an item with only a teaser is read from its
// page; once ingested, the page is not read again.
func TestTeaserReadsThePage(t *testing.T) {
	srv := newServer(t, "application/rss+xml", "")
	srv.set(func(s *server) {
		s.body = rss2(rssItem("lib-1", s.URL+"/news/library", "Library hours", "The library trustees met on Monday… Read more"))
		s.pages["/news/library"] = teaserPage("library")
		s.etag = false // every poll is a 200: the items themselves must be recognised
	})
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL+"/feed", time.Hour)
	res := r.pollOne(t)
	if res.PagesFetched != 1 || res.Added != 1 || len(res.Warnings) != 0 {
		t.Fatalf("poll: %v %v", res, res.Warnings)
	}
	var got string
	for _, a := range r.store.arts {
		got = text(a)
		if a.Title != "Library hours" || !strings.HasSuffix(a.URL, "/news/library") {
			t.Errorf("article %+v", a)
		}
	}
	if !strings.Contains(got, "will publish the new opening hours") || strings.Contains(got, "Read more") {
		t.Errorf("article text is not the page's:\n%s", got)
	}
	r.clock.Advance(time.Hour)
	res = r.pollOne(t)
	if _, _, pageHits := srv.counts(); pageHits != 1 || res.Repeated != 1 || res.PagesFetched != 0 {
		t.Errorf("second poll read the page again (%d page hits): %v", pageHits, res)
	}
}

// TestRepeatedAndChangedItems: a repeated item is not stored again, the
// same text under a new link neither; an edited item updates its article.
func TestRepeatedAndChangedItems(t *testing.T) {
	bridge := rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))
	park := rssItem("t-2", "https://townhall.example.org/park", "Park benches", body("park"))
	srv := newServer(t, "application/rss+xml", rss2(bridge, park))
	srv.set(func(s *server) { s.etag = false })
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Hour)
	if res := r.pollOne(t); res.New != 2 || res.Added != 2 {
		t.Fatalf("first poll: %v", res)
	}
	r.clock.Advance(time.Hour)
	if res := r.pollOne(t); res.Repeated != 2 || res.New+res.Changed != 0 || r.store.upserts != 1 {
		t.Fatalf("repeat poll: %v, %d upserts, want no new upsert", res, r.store.upserts)
	}
	r.clock.Advance(time.Hour)
	edited := rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge")+" The works will now start in May.")
	moved := rssItem("t-3", "https://townhall.example.org/park-benches", "Park benches", body("park"))
	srv.set(func(s *server) { s.body = rss2(edited, moved) })
	res := r.pollOne(t)
	if res.Changed != 1 || res.Updated != 1 || res.Repeated != 1 || res.New != 0 {
		t.Fatalf("poll after an edit: %v", res)
	}
	if a, _ := r.store.get("townhall.example.org/bridge"); !strings.Contains(text(a), "start in May") {
		t.Errorf("edited article not updated: %s", text(a))
	}
	if r.store.count() != 2 {
		t.Errorf("%d articles stored, want 2", r.store.count())
	}
	if st := r.state(t, srv.URL); st.AddedThisWeek != 2 || len(st.Seen) != 2 {
		t.Errorf("state: added this week %d, %d seen; want 2 and 2 (a repeat under a new link is not remembered twice)", st.AddedThisWeek, len(st.Seen))
	}
}

// TestHugePageRefused: a teaser whose page is 50 MB keeps its teaser: the
// fetcher's size cap stops reading at 5 MiB.
func TestHugePageRefused(t *testing.T) {
	srv := newServer(t, "application/rss+xml", "")
	wrote := make(chan int64, 1)
	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte("<p>" + strings.Repeat("filler text ", 85) + "</p>\n") // about 1 KiB
		var n int64
		for n < 50<<20 {
			k, err := w.Write(chunk)
			n += int64(k)
			if err != nil {
				break
			}
		}
		wrote <- n
	})
	pages := listenOn(t, "127.0.0.3", big)
	srv.set(func(s *server) {
		s.body = rss2(rssItem("big-1", pages.URL+"/big", "Big page", "A short teaser about the big page…"))
	})
	r := newRig(t, Options{})
	r.subscribe(t, srv.URL, time.Hour)
	res := r.pollOne(t)
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "too large") || res.PagesFetched != 0 {
		t.Fatalf("poll: %v, warnings %v; want the page refused as too large", res, res.Warnings)
	}
	if res.Added != 1 {
		t.Errorf("the teaser was not kept: %v", res)
	}
	if n := <-wrote; n >= 50<<20 {
		t.Errorf("the server wrote all %d bytes: the client read past the cap", n)
	}
}

// TestSubscriptionsSurviveAPoll: a feed removed while a round runs stays
// removed, and one added meanwhile stays.
func TestSubscriptionsSurviveAPoll(t *testing.T) {
	var r *rig
	srv := newServer(t, "application/rss+xml", rss2(rssItem("t-1", "https://townhall.example.org/bridge", "Bridge repairs", body("bridge"))))
	store := storeFunc(func(ctx context.Context) {
		if err := Unsubscribe(ctx, r.file, srv.URL+"/a", ""); err != nil {
			t.Error(err)
		}
		if err := Subscribe(ctx, r.file, Subscription{URL: srv.URL + "/c", Every: Interval(time.Hour)}, 0); err != nil {
			t.Error(err)
		}
	})
	r = newRig(t, Options{Store: store})
	r.subscribe(t, srv.URL+"/a", time.Hour)
	r.poll(t)
	l, err := Load(r.file)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Feeds) != 1 || l.Feeds[0].URL != srv.URL+"/c" {
		t.Errorf("feeds after the round: %+v", l.Feeds)
	}
	if err := Subscribe(context.Background(), r.file, Subscription{URL: srv.URL + "/c"}, 0); err == nil {
		t.Error("subscribing twice to one URL was accepted")
	}
	if err := Unsubscribe(context.Background(), r.file, srv.URL+"/nope", ""); err == nil {
		t.Error("removing an unknown feed was accepted")
	}
}

// storeFunc is a Store that runs f when asked to store.
type storeFunc func(ctx context.Context)

func (f storeFunc) UpsertArticles(ctx context.Context, _ string, _ []briefbot.Article) (Upserted, error) {
	f(ctx)
	return Upserted{}, nil
}

func TestIsTeaser(t *testing.T) {
	long := body("harbour") + " " + body("canal")
	for text, want := range map[string]bool{
		"Short.":                       true,
		long:                           false,
		long + " […]":                  true,
		long + " Read more »":          true,
		long + " Continue reading →":   true,
		long + "...":                   true,
		strings.Repeat("é", 398) + ".": true,
	} {
		a := briefbot.Article{Paragraphs: []briefbot.Paragraph{{N: 1, Text: text}}}
		if got := isTeaser(a); got != want {
			t.Errorf("isTeaser(%.40q…) = %v, want %v", text, got, want)
		}
	}
}
