package main

import (
	"strings"
	"testing"

	"github.com/briefbot/briefbot/index"
)

// TestAskKCap: ask refuses a -k above what the index returns
// (index.MaxPassages) with the usual one-line usage error, instead of
// quietly printing fewer passages than asked for.
func TestAskKCap(t *testing.T) {
	over := "21"
	if index.MaxPassages != 20 {
		t.Fatalf("index.MaxPassages is %d: update this test and the README's ask row", index.MaxPassages)
	}
	code, _, errOut := runCmd(t, nil, "ask", "-k", over, "x")
	if code != exitUsage || !strings.Contains(errOut, "--k must be between 1 and 20, not 21") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Errorf("ask -k %s: exit %d, stderr %q; want %d and one line naming the range", over, code, errOut, exitUsage)
	}
	// The cap itself is accepted: the error, if any, is the missing index.
	code, _, errOut = runCmd(t, nil, "ask", "--index", "/nonexistent/briefbot-index", "-k", "20", "x")
	if code == exitUsage {
		t.Errorf("ask -k 20: usage error %q", errOut)
	}
}
