//go:build linux

package index

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var memChild = flag.String("memchild", "", "internal: ingest this file into a new index beside it and exit (used by BenchmarkIngestPeakMemory)")

// maxIngestRSS is the peak resident memory an ingest may reach, whatever
// its input (issue 13, point 5).
const maxIngestRSS = 400 << 20

// BenchmarkIngestPeakMemory ingests one huge article per input, each in a
// child process (this test binary again) so that its peak RSS is its own:
// a 50 MB plain-text file of one repeated sentence (no line break: one
// paragraph cut into ~35,000 parts) and a JSONL article of 100,000
// paragraphs. Before batches were cut inside an article these took 2.35 GB
// and 1.89 GB.
func BenchmarkIngestPeakMemory(b *testing.B) {
	if *memChild != "" {
		ingestChild(*memChild)
	}
	dir := b.TempDir()
	inputs := []struct {
		name, file string
		write      func(string) error
	}{
		{"text-50MB", "big.txt", writeRepeatedSentence},
		{"jsonl-100k-paras", "big.jsonl", writeLongJSONL},
	}
	for _, in := range inputs {
		path := filepath.Join(dir, in.file)
		if err := in.write(path); err != nil {
			b.Fatal(err)
		}
		b.Run(in.name, func(b *testing.B) {
			var peak int64
			for i := 0; i < b.N; i++ {
				os.RemoveAll(path + ".ix")
				peak = max(peak, childPeakRSS(b, path))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
			if peak > maxIngestRSS {
				b.Errorf("peak RSS %d MB, want under %d MB", peak>>20, maxIngestRSS>>20)
			}
		})
	}
}

// childPeakRSS runs the ingest of path in a child process and returns the
// child's peak resident memory in bytes.
func childPeakRSS(b *testing.B, path string) int64 {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkIngestPeakMemory$", "-test.benchtime=1x", "-memchild="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CHILD ok") {
		b.Fatalf("child: %v\n%s", err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this platform")
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// ingestChild is the child's side: ingest path, say so, exit.
func ingestChild(path string) {
	ix, err := Open(path+".ix", Options{})
	if err == nil {
		var rep IngestReport
		rep, err = ix.Ingest(context.Background(), []string{path}, IngestOptions{})
		if err == nil && rep.Added != 1 {
			err = fmt.Errorf("report %+v, want one article added", rep)
		}
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Println("CHILD", err)
		os.Exit(3)
	}
	fmt.Println("CHILD ok")
	os.Exit(0)
}

// writeRepeatedSentence writes the 50 MB file:
// 'Zanzibar quokka festival report ' * 1640000.
func writeRepeatedSentence(path string) error {
	return os.WriteFile(path, []byte(strings.Repeat("Zanzibar quokka festival report ", 1640000)), 0o644)
}

// writeLongJSONL writes one JSONL article of 100,000 distinct paragraphs.
func writeLongJSONL(path string) error {
	paras := make([]string, 100000)
	for i := range paras {
		paras[i] = fmt.Sprintf("Paragraph %d of the long report: the Zanzibar quokka festival drew crowds to the harbour, and officials said attendance rose again this year.", i)
	}
	line, err := json.Marshal(map[string]any{"id": "big", "title": "Big report", "published": "2024-05-01", "paragraphs": paras})
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(line, '\n'), 0o644)
}
