package index

import (
	"flag"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

var unreadableChild = flag.String("unreadablechild", "", "internal: run the unreadable-folder scenario in this directory (used by TestUnreadableFolderAsNonRoot)")

// unreadableScenario ingests a corpus with a subfolder, makes the subfolder
// unreadable with chmod 000 and ingests again: the subfolder's article must
// stay, and the report must say why the folder was not read. It needs a
// process that permissions stop (not root).
func unreadableScenario(t *testing.T, dir string) {
	corpus := filepath.Join(dir, "corpus")
	writeFile(t, filepath.Join(corpus, "world", "kursk.txt"),
		"Kursk offensive stalls\n\nThe Kursk offensive stalled on Monday after heavy rains turned roads to mud.\n")
	writeFile(t, filepath.Join(corpus, "budget.txt"),
		"Senate passes budget\n\nThe Senate passed the federal budget on Thursday by a vote of 51 to 49.\n")
	ix, err := Open(filepath.Join(dir, "ix"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if rep := ingest(t, ix, corpus); rep.Added != 2 {
		t.Fatalf("first ingest %+v", rep)
	}
	world := filepath.Join(corpus, "world")
	if err := os.Chmod(world, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(world, 0o755)
	if _, err := os.ReadDir(world); err == nil {
		t.Fatal("chmod 000 does not stop this process from reading: run it as a non-root user")
	}
	rep := ingest(t, ix, corpus)
	if rep.Removed != 0 || rep.Unchanged != 1 || searchTotal(t, ix, "kursk") != 1 {
		t.Errorf("ingest with an unreadable folder: %d removed, %d unchanged, kursk found %d times; want 0 removed and the article kept",
			rep.Removed, rep.Unchanged, searchTotal(t, ix, "kursk"))
	}
	if !hasWarning(rep.Skipped, "world", "permission denied") {
		t.Errorf("the unreadable folder is not reported: skipped %v", rep.Skipped)
	}
}

// failReading makes readDir fail for folders named name (with the files
// listed before the failure, as os.ReadDir returns them) and lstat fail for
// paths under them, until the test ends.
func failReading(t *testing.T, name string, err error) {
	realReadDir, realLstat := readDir, lstat
	t.Cleanup(func() { readDir, lstat = realReadDir, realLstat })
	readDir = func(dir string) ([]os.DirEntry, error) {
		entries, rerr := realReadDir(dir)
		if filepath.Base(dir) == name {
			return entries[:len(entries)/2], &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		return entries, rerr
	}
	lstat = func(path string) (os.FileInfo, error) {
		if filepath.Base(filepath.Dir(path)) == name {
			return nil, &fs.PathError{Op: "lstat", Path: path, Err: err}
		}
		return realLstat(path)
	}
}

// TestUnreadableFolderKeepsItsArticles: a folder that fails to list (here
// an injected I/O error, which permissions cannot give root) keeps the
// articles of every file under it, also one deleted meanwhile; the folder
// is reported; so is a file that cannot be checked or read, whose articles
// stay too; once all is readable again, a file really deleted is removed.
// serve's watcher re-ingests through the same Ingest.
func TestUnreadableFolderKeepsItsArticles(t *testing.T) {
	ix := newTestIndex(t)
	dir := filepath.Join(t.TempDir(), "corpus")
	for _, name := range []string{"a", "b", "c", "d"} {
		writeFile(t, filepath.Join(dir, "world", name+".txt"),
			"Story "+name+"\n\nThe harbour story "+name+" tells of ships and cranes.\n")
	}
	writeFile(t, filepath.Join(dir, "world", "deep", "e.txt"), "Story e\n\nThe harbour story e tells of ships and cranes.\n")
	writeFile(t, filepath.Join(dir, "top.txt"), "Top story\n\nThe harbour story top tells of ships and cranes.\n")
	if rep := ingest(t, ix, dir); rep.Added != 6 {
		t.Fatalf("first ingest %+v", rep)
	}

	failReading(t, "world", syscall.EIO)
	os.Remove(filepath.Join(dir, "world", "d.txt"))
	rep := ingest(t, ix, dir)
	if rep.Removed != 0 || searchTotal(t, ix, "harbour") != 6 {
		t.Errorf("ingest with an unreadable folder: %+v, %d articles found; want none removed", rep, searchTotal(t, ix, "harbour"))
	}
	if !hasWarning(rep.Skipped, "world", "cannot read folder (readdirent: input/output error); the articles indexed from it are kept") {
		t.Errorf("the unreadable folder is not reported: skipped %v", rep.Skipped)
	}

	// A folder listed completely, whose deleted file cannot be checked
	// either (the error is on lstat only): kept, and reported.
	readDir = os.ReadDir
	os.Remove(filepath.Join(dir, "world", "c.txt"))
	rep = ingest(t, ix, dir)
	if rep.Removed != 0 || !hasWarning(rep.Skipped, "c.txt", "cannot tell whether it was deleted") {
		t.Errorf("a file that cannot be checked: %+v", rep)
	}

	// Once all can be checked, the files really deleted go; a file that
	// changed but cannot be read keeps its old article.
	lstat = os.Lstat
	writeFile(t, filepath.Join(dir, "top.txt"), "Top story\n\nThe quay story replaces the old one.\n")
	realReadFile := readFile
	t.Cleanup(func() { readFile = realReadFile })
	readFile = func(path string) ([]byte, error) {
		if filepath.Base(path) == "top.txt" {
			return nil, &fs.PathError{Op: "read", Path: path, Err: syscall.EIO}
		}
		return realReadFile(path)
	}
	rep = ingest(t, ix, dir)
	if rep.Removed != 2 || !hasWarning(rep.Skipped, "top.txt", "read: input/output error") ||
		searchTotal(t, ix, "harbour") != 4 || searchTotal(t, ix, "quay") != 0 {
		t.Errorf("deleted files, and a file that cannot be read: %+v, harbour found %d times, quay %d",
			rep, searchTotal(t, ix, "harbour"), searchTotal(t, ix, "quay"))
	}

	readFile = os.ReadFile
	rep = ingest(t, ix, dir)
	if rep.Updated != 1 || len(rep.Skipped) != 0 || searchTotal(t, ix, "harbour") != 3 || searchTotal(t, ix, "quay") != 1 {
		t.Errorf("once readable, the changed file is read: %+v", rep)
	}
}

// TestUnreadableFolderAsNonRoot runs unreadableScenario for real: directly
// when this test is not root, else in a child process (this test binary)
// switched to the user nobody. Root is how tests run here and in CI.
func TestUnreadableFolderAsNonRoot(t *testing.T) {
	if *unreadableChild != "" {
		unreadableScenario(t, *unreadableChild)
		return
	}
	if os.Geteuid() != 0 {
		unreadableScenario(t, t.TempDir())
		return
	}
	const nobody = 65534
	// The child must be able to run the test binary and write its
	// directory: the go build cache and t.TempDir() are private to root.
	work, err := os.MkdirTemp("", "briefbot-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	bin := filepath.Join(work, "index.test")
	if err := copyExecutable(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestUnreadableFolderAsNonRoot$", "-test.count=1", "-unreadablechild="+dir)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("the scenario as user nobody failed (%v):\n%s", err, out)
	}
}

func copyExecutable(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
