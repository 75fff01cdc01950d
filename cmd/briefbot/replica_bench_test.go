package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/briefbot/briefbot"
	"github.com/briefbot/briefbot/index"
	"github.com/briefbot/briefbot/metrics"
)

// BenchmarkUpsertOneArticle is what /ingest url: and each polled feed item
// cost to write: on the index directly (a single instance), and on a
// replica (publish to an embedded NATS, wait until applied here).
func BenchmarkUpsertOneArticle(b *testing.B) {
	art := func(i int) []briefbot.Article {
		return []briefbot.Article{{ID: fmt.Sprintf("bench-%d", i), Title: "Ferry back", Source: "Harbour news",
			Paragraphs: []briefbot.Paragraph{{N: 1, Text: fmt.Sprintf("The ferry timetable is back to normal after storm number %d, the harbour master said.", i)}}}}
	}
	run := func(b *testing.B, w articleWriter) {
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, err := w.Upsert(ctx, briefbot.SharedSpace, art(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("local", func(b *testing.B) {
		ix, err := index.Open(filepath.Join(b.TempDir(), "index"), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		run(b, ix)
	})
	b.Run("replica", func(b *testing.B) {
		ns := singleNATS(b)
		ix, err := index.Open(filepath.Join(b.TempDir(), "index"), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		d, err := joinDeployment(context.Background(), natsConfig{url: ns.URL(), name: "bench", replicas: 1}, ix, metrics.New(nil), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer d.close()
		run(b, d.writer())
	})
}
