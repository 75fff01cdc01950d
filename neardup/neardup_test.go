package neardup

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/briefbot/briefbot"
)

// The articles below were written for these tests: a wire story about a
// made-up ferry strike, two republications of it lightly edited the way
// outlets edit wire copy, an article on the same strike written
// independently, a two-sentence brief and an empty page.

var wireParas = []string{
	"PORTHAVEN (Wire) — Ferry crews on the northern islands walked off the job on Tuesday morning, stranding several thousand passengers and halting deliveries of fuel and fresh food to communities that depend on the boats for almost everything.",
	"The strike was called by the Maritime Crews Union after talks over pay and rest periods broke down late on Monday evening. Union officials said members had worked double shifts through the summer without the extra pay they had been promised.",
	"\"Our people have kept these islands supplied through storms and through the pandemic, and they are tired of being told to wait,\" said Mara Lindqvist, the union's regional secretary, speaking outside the harbour office.",
	"The ferry operator, Northern Isles Shipping, said it regretted the disruption and urged the union to return to the table. A spokesman said the company had offered a four percent rise backdated to April, which the union rejected.",
	"Island councils said shops on the smaller islands had enough stock for about a week. The regional health board said it would use a chartered aircraft to move patients who needed hospital treatment on the mainland.",
	"No new talks had been scheduled by Tuesday afternoon. The union said the walkout would last at least three days and warned that further action was possible before the autumn timetable begins.",
}

func article(id, source string, published time.Time, paras ...string) briefbot.Article {
	a := briefbot.Article{ID: id, Source: source, Title: "Ferry strike", Published: published}
	for i, p := range paras {
		a.Paragraphs = append(a.Paragraphs, briefbot.Paragraph{N: i + 1, Text: p})
	}
	return a
}

var day = time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)

// fixtures returns the wire story, its two republications, the
// independent article on the same strike, the brief and the empty page.
func fixtures() []briefbot.Article {
	wire := article("wire-1", "wire.example", day.Add(7*time.Hour), wireParas...)

	// Outlet A: its own dateline style, "per cent", the quote paragraph
	// dropped, an editor's note added at the end.
	a := slices.Clone(wireParas)
	a[0] = strings.Replace(a[0], "PORTHAVEN (Wire) — ", "Porthaven: ", 1)
	a[3] = strings.Replace(a[3], "four percent", "4 per cent", 1)
	a = slices.Delete(a, 2, 3)
	a = append(a, "This article was updated on Tuesday afternoon with the health board's statement.")
	outletA := article("a-1", "outlet-a.example", day.Add(9*time.Hour), a...)

	// Outlet B: a new first sentence of local context, a trimmed last
	// paragraph, a paragraph split in two.
	b := []string{"Passengers at the Porthaven terminal were turned away on Tuesday as the dispute reached the islands."}
	b = append(b, wireParas[:4]...)
	b = append(b, "Island councils said shops on the smaller islands had enough stock for about a week.",
		"The regional health board said it would use a chartered aircraft to move patients who needed hospital treatment on the mainland.",
		"No new talks had been scheduled by Tuesday afternoon.")
	outletB := article("b-1", "outlet-b.example", day.Add(26*time.Hour), b...)

	sameTopic := article("c-1", "outlet-c.example", day.Add(8*time.Hour),
		"Thousands of travellers to the northern islands were left on the quayside on Tuesday after ferry crews began a strike over pay and rest periods.",
		"The Maritime Crews Union says its members were promised extra pay for the double shifts they worked over the summer and never received it. Northern Isles Shipping says its offer of a four percent rise was fair.",
		"On Skellay, the smallest of the inhabited islands, the village shop said it had bread for two days and fuel for perhaps a week. Parents worried about children who board on the mainland during school terms.",
		"\"Our people have kept these islands supplied through storms and through the pandemic, and they are tired of being told to wait,\" Mara Lindqvist of the union told reporters. The company said it wanted talks to resume as soon as possible.",
		"The last strike on the route, in 2019, lasted eleven days and ended with a two-year pay deal brokered by the regional government.",
	)
	brief := article("d-1", "outlet-d.example", day.Add(10*time.Hour),
		"Ferry crews on the northern islands walked off the job on Tuesday morning, stranding several thousand passengers.")
	empty := article("e-1", "outlet-e.example", day.Add(11*time.Hour))
	return []briefbot.Article{wire, outletA, outletB, sameTopic, brief, empty}
}

func TestFindGroupsWireCopiesOnly(t *testing.T) {
	groups := Find(fixtures(), Options{})
	if len(groups) != 1 {
		t.Fatalf("got %d groups, want 1: %+v", len(groups), groups)
	}
	g := groups[0]
	if g.Original != "wire-1" {
		t.Errorf("original %q, want the earliest copy wire-1", g.Original)
	}
	if want := []string{"wire-1", "a-1", "b-1"}; !slices.Equal(g.Members, want) {
		t.Errorf("members %v, want %v (original first, then by date)", g.Members, want)
	}
	if g.Similarity[0] != 1 {
		t.Errorf("the original's similarity to itself is %v, want 1", g.Similarity[0])
	}
	for i, s := range g.Similarity[1:] {
		if s < DefaultThreshold {
			t.Errorf("%s: similarity %.2f to the original, under the threshold", g.Members[i+1], s)
		}
	}
}

// The independent article on the same strike shares names, figures and
// the union's quote word for word with the wire story; it must stay far
// below the threshold, not just under it.
func TestSameTopicIsNotACopy(t *testing.T) {
	arts := fixtures()
	wire, other := Sign(arts[0]), Sign(arts[3])
	if s := Similarity(&wire, &other); s > DefaultThreshold/2 {
		t.Errorf("same-topic article: similarity %.2f to the wire story, want under %.2f", s, DefaultThreshold/2)
	}
}

func TestShortAndEmptyAreNeverGrouped(t *testing.T) {
	arts := fixtures()
	brief, empty := Sign(arts[4]), Sign(arts[5])
	if !empty.Empty() {
		t.Errorf("empty article: signature with %d shingles, want empty", empty.Shingles)
	}
	if brief.Empty() || brief.Shingles >= DefaultMinShingles {
		t.Fatalf("brief: %d shingles; the test wants a signed body under %d", brief.Shingles, DefaultMinShingles)
	}
	// The brief is the wire story's first sentence: a copy by its words,
	// but too short to be told from a quotation.
	ix := NewIndex(Options{})
	wire := Sign(arts[0])
	ix.Add("wire-1", arts[0].Published, &wire)
	if orig, grouped := ix.Add("d-1", arts[4].Published, &brief); grouped || orig != "d-1" {
		t.Errorf("brief: grouped=%v with %q, want alone", grouped, orig)
	}
	if orig, grouped := ix.Add("e-1", arts[5].Published, &empty); grouped || orig != "e-1" {
		t.Errorf("empty: grouped=%v with %q, want alone", grouped, orig)
	}
	if s := Similarity(&empty, &empty); s != 0 {
		t.Errorf("two empty signatures: similarity %v, want 0", s)
	}
}

// Input order must not matter: Find sorts by date, and the original is the
// earliest whatever order the articles come in.
func TestFindIgnoresInputOrder(t *testing.T) {
	want := Find(fixtures(), Options{})
	arts := fixtures()
	slices.Reverse(arts)
	arts = append(arts, arts[2]) // the same id twice is taken once
	got := Find(arts, Options{})
	if len(got) != 1 || !slices.Equal(got[0].Members, want[0].Members) {
		t.Errorf("reversed input: %+v, want %+v", got, want)
	}
}

// An index fed as ingest feeds it, late copies first, still names the
// earliest copy as the original once it arrives.
func TestIndexOriginalIsEarliestWhateverTheArrivalOrder(t *testing.T) {
	arts := fixtures()
	ix := NewIndex(Options{})
	for _, i := range []int{2, 1, 0} {
		sig := Sign(arts[i])
		orig, grouped := ix.Add(arts[i].ID, arts[i].Published, &sig)
		if i == 2 && (grouped || orig != "b-1") {
			t.Errorf("first article: grouped=%v with %q, want alone", grouped, orig)
		}
		if i < 2 && (!grouped || orig != arts[i].ID) {
			t.Errorf("after adding %s: original %q grouped=%v, want %s (the earliest so far)", arts[i].ID, orig, grouped, arts[i].ID)
		}
	}
	sig := Sign(arts[0])
	if orig, grouped := ix.Add("wire-1", arts[0].Published, &sig); !grouped || orig != "wire-1" || ix.Len() != 3 {
		t.Errorf("adding wire-1 again: %q %v, %d articles; want it ignored", orig, grouped, ix.Len())
	}
	// The first copy ingested learns of its new original through its group.
	g, ok := ix.GroupOf("b-1")
	if want := []string{"wire-1", "a-1", "b-1"}; !ok || g.Original != "wire-1" || !slices.Equal(g.Members, want) {
		t.Errorf("GroupOf(b-1) = %+v, %v; want original wire-1, members %v", g, ok, want)
	}
	if _, ok := ix.GroupOf("not-added"); ok {
		t.Error("GroupOf an id never added: found a group")
	}
	alone := Sign(arts[3])
	ix.Add("c-1", arts[3].Published, &alone)
	if g, ok := ix.GroupOf("c-1"); ok {
		t.Errorf("GroupOf an article without copies: %+v", g)
	}
}

// An unknown date sorts after every known one: an undated copy is never
// taken for the original of a dated one.
func TestUndatedCopyIsNotTheOriginal(t *testing.T) {
	arts := fixtures()[:2]
	arts[0].Published = time.Time{}
	g := Find(arts, Options{})
	if len(g) != 1 || g[0].Original != "a-1" {
		t.Errorf("got %+v, want a-1 (dated) as the original", g)
	}
}

// Signatures are meant to be stored by an index: the same text must give
// the same signature in every build. A change here is a new Version.
func TestSignatureIsStable(t *testing.T) {
	sig := Sign(fixtures()[0])
	want := [4]uint32{37428825, 14321860, 5428524, 52683851}
	if got := [4]uint32(sig.Mins[:4]); got != want || sig.Shingles != 215 {
		t.Errorf("signature of the wire story starts %v with %d shingles, want %v and 215; if the format changed on purpose, bump Version", got, sig.Shingles, want)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{Bands: 7}.withDefaults() // 7 does not divide NumHashes
	if o.Threshold != DefaultThreshold || o.Bands != DefaultBands || o.MinShingles != DefaultMinShingles {
		t.Errorf("defaults: %+v", o)
	}
	// Every copy was edited, so a threshold near 1 groups nothing.
	groups := Find(fixtures(), Options{Threshold: 0.99})
	if len(groups) != 0 {
		t.Errorf("threshold 0.99: %+v, want no groups (every copy was edited)", groups)
	}
}

// BenchmarkSign signs the wire story (about 250 words); the benchmark over
// real articles is BenchmarkIngestNews.
func BenchmarkSign(b *testing.B) {
	a := fixtures()[0]
	b.ReportAllocs()
	for b.Loop() {
		Sign(a)
	}
}
