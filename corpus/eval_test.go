package corpus

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/internal/sharedtest"
	"github.com/briefbot/briefbot/internal/textrules"
)

// TestEvalBoilerplate measures the boilerplate filter on the real scraped
// news set. It has no labels for junk, so it uses two proxies:
//
//   - loss: paragraphs the questions mark as relevant (they contain an
//     answer) that were dropped. This must stay near zero.
//   - catch: paragraphs whose exact text recurs in 3 or more articles are
//     almost all site furniture (newsletter pitches, ad prompts, credits);
//     the share of those dropped estimates recall.
//
// It also logs the share of all paragraphs dropped and, with -v, samples of
// what was dropped and of repeated paragraphs still kept, for review.
func TestEvalBoilerplate(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	artPath := sharedtest.Path(t, "eval/news/articles.jsonl")
	qPath := sharedtest.Path(t, "eval/news/questions.jsonl")
	data, err := os.ReadFile(artPath)
	if err != nil {
		t.Fatal(err)
	}
	// Raw paragraphs by key, to compare with what Parse kept.
	type rawArt struct {
		ID         string   `json:"id"`
		Paragraphs []string `json:"paragraphs"`
	}
	raw := map[string]string{}
	articlesWith := map[string]map[string]bool{} // paragraph text -> article ids
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var ra rawArt
		if err := json.Unmarshal(sc.Bytes(), &ra); err != nil {
			t.Fatal(err)
		}
		for i, p := range ra.Paragraphs {
			raw[briefbot.ParagraphID(ra.ID, i+1)] = p
			k := strings.TrimSpace(p)
			if articlesWith[k] == nil {
				articlesWith[k] = map[string]bool{}
			}
			articlesWith[k][ra.ID] = true
		}
	}
	arts, warns := Parse("news/articles.jsonl", data)
	kept := map[string]bool{}
	for _, a := range arts {
		for _, p := range a.Paragraphs {
			kept[p.ID(a.ID)] = true
		}
	}
	only := 0
	for _, w := range warns {
		if strings.Contains(w.Reason, "only boilerplate") {
			only++
		}
	}

	// Relevant paragraphs lost.
	qf, err := os.Open(qPath)
	if err != nil {
		t.Fatal(err)
	}
	defer qf.Close()
	relevant, lost := 0, 0
	var lostSamples []string
	qs := bufio.NewScanner(qf)
	for qs.Scan() {
		var q struct {
			Answer   string   `json:"answer"`
			Relevant []string `json:"relevant"`
		}
		if err := json.Unmarshal(qs.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		for _, id := range q.Relevant {
			if _, ok := raw[id]; !ok {
				continue
			}
			relevant++
			if !kept[id] {
				lost++
				lostSamples = append(lostSamples, id+" ["+q.Answer+"] ("+boilerplateRule(cleanParagraph(raw[id]))+") "+raw[id])
			}
		}
	}

	// Repeated-paragraph proxy, and overall counts.
	total, dropped, repeated, repeatedDropped, repeated5, repeated5Dropped := 0, 0, 0, 0, 0, 0
	rules := map[string]int{}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var keptRepeats []string
	seenKept := map[string]bool{}
	for _, k := range keys {
		p := raw[k]
		if strings.TrimSpace(p) == "" {
			continue
		}
		total++
		d := !kept[k]
		if d {
			dropped++
			rules[boilerplateRule(cleanParagraph(p))]++
		}
		if len(articlesWith[strings.TrimSpace(p)]) >= 3 && textrules.WordCount(p) >= 5 {
			repeated5++
			if d {
				repeated5Dropped++
			}
		}
		if len(articlesWith[strings.TrimSpace(p)]) >= 3 {
			repeated++
			if d {
				repeatedDropped++
			} else if !seenKept[p] {
				seenKept[p] = true
				keptRepeats = append(keptRepeats, p)
			}
		}
	}
	t.Logf("boilerplate: %d of %d paragraphs dropped (%.1f%%); repeated paragraphs (in 3+ articles) caught %d of %d (%.1f%%), of those with 5+ words %d of %d (%.1f%%); relevant paragraphs lost %d of %d (%.2f%%); %d articles only boilerplate",
		dropped, total, pct(dropped, total), repeatedDropped, repeated, pct(repeatedDropped, repeated),
		repeated5Dropped, repeated5, pct(repeated5Dropped, repeated5), lost, relevant, pct(lost, relevant), only)
	t.Logf("drops by rule: %v", rules)
	for _, s := range lostSamples {
		t.Logf("LOST %.200s", s)
	}
	if testing.Verbose() {
		rng := rand.New(rand.NewPCG(1, 2))
		sort.Slice(keptRepeats, func(i, j int) bool { return len(articlesWith[keptRepeats[i]]) > len(articlesWith[keptRepeats[j]]) })
		shown := 0
		for _, p := range keptRepeats {
			if textrules.WordCount(p) < 5 {
				continue
			}
			shown++
			i := shown
			if i >= 100 {
				break
			}
			t.Logf("KEPT-REPEAT x%d %.150q", len(articlesWith[p]), p)
		}
		var droppedKeys []string
		for _, k := range keys {
			if !kept[k] && strings.TrimSpace(raw[k]) != "" && len(articlesWith[strings.TrimSpace(raw[k])]) < 3 {
				droppedKeys = append(droppedKeys, k)
			}
		}
		rng.Shuffle(len(droppedKeys), func(i, j int) { droppedKeys[i], droppedKeys[j] = droppedKeys[j], droppedKeys[i] })
		for i, k := range droppedKeys {
			if i >= 80 {
				break
			}
			t.Logf("DROPPED-UNIQUE %s (%s) %.160q", k, boilerplateRule(cleanParagraph(raw[k])), raw[k])
		}
	}
	if lost*100 > relevant { // more than 1% of answer paragraphs lost
		t.Errorf("boilerplate filter dropped %d of %d relevant paragraphs", lost, relevant)
	}
	_ = utf8.RuneCountInString
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// TestEvalNumbering checks, on the real news set, the promise eval ids rely
// on: every kept paragraph's N is its 1-based position in "paragraphs", and a
// paragraph kept whole is the source text, only cleaned.
func TestEvalNumbering(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	data, err := os.ReadFile(sharedtest.Path(t, "eval/news/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	arts, _ := Parse("news/articles.jsonl", data)
	byID := map[string]briefbot.Article{}
	for _, a := range arts {
		byID[a.ID] = a
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(arts) != len(lines) {
		t.Fatalf("%d articles from %d lines", len(arts), len(lines))
	}
	bad := 0
	for _, line := range lines {
		var ra struct {
			ID         string   `json:"id"`
			Paragraphs []string `json:"paragraphs"`
		}
		if err := json.Unmarshal([]byte(line), &ra); err != nil {
			t.Fatal(err)
		}
		for _, p := range byID[ra.ID].Paragraphs {
			if p.N < 1 || p.N > len(ra.Paragraphs) || p.Part == 0 && p.Text != cleanParagraph(ra.Paragraphs[p.N-1]) {
				bad++
				if bad < 5 {
					t.Errorf("%s: ¶%d.%d does not match the source paragraph", ra.ID, p.N, p.Part)
				}
			}
		}
	}
}

// TestEvalCleanSets measures false drops on sets without page junk: the
// Wikipedia paragraphs of XQuAD and the BBC articles. Nearly nothing may go.
func TestEvalCleanSets(t *testing.T) {
	sharedtest.SkipEvalIfShort(t)
	for _, rel := range []string{"eval/xquad/articles.jsonl", "eval/summaries/bbc.jsonl"} {
		data, err := os.ReadFile(sharedtest.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		arts, _ := Parse(rel, data)
		kept, dropped := 0, 0
		for _, a := range arts {
			dropped += a.Dropped
			seen := map[int]bool{}
			for _, p := range a.Paragraphs {
				if !seen[p.N] {
					seen[p.N] = true
					kept++
				}
			}
		}
		t.Logf("%s: %d articles, %d paragraphs kept, %d dropped as boilerplate (%.2f%%)", rel, len(arts), kept, dropped, pct(dropped, kept+dropped))
		if dropped*200 > kept+dropped { // more than 0.5%
			t.Errorf("%s: %d of %d paragraphs dropped", rel, dropped, kept+dropped)
		}
	}
}
