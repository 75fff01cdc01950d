package index

import (
	"context"
	"strings"
	"testing"

	"github.com/briefbot/briefbot"
)

// TestBundledSampleAnswersTheDemoQuestion pins the README's first command:
// on the bundled sample corpus (cmd/briefbot/sample, ingested as the CLI
// does), the demo question must be answered first by the paragraph that
// states the US estimate of about 11,000 soldiers.
func TestBundledSampleAnswersTheDemoQuestion(t *testing.T) {
	ix := newTestIndex(t)
	rep, err := ix.Ingest(context.Background(), []string{"../cmd/briefbot/sample"}, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added == 0 {
		t.Fatalf("sample not ingested: %+v", rep)
	}
	ans, err := ix.Ask(context.Background(), "How many North Korean soldiers are in Russia's Kursk region?", briefbot.AskOptions{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Passages) == 0 {
		t.Fatalf("no passages: %v", ans.NoMatch)
	}
	if first := ans.Passages[0]; !strings.Contains(first.Text, "11,000") || !strings.Contains(first.Answer, "11,000") {
		for i, p := range ans.Passages {
			t.Logf("[%d] %s (%.3f) %s", i+1, p.ID, p.Score, p.Text)
		}
		t.Errorf("first passage %s does not state the 11,000 estimate in its answer sentence", first.ID)
	}
}
