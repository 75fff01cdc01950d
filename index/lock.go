package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// indexLock is the index directory's LOCK file, held while the index is
// open: exclusive for a writer, shared for a read-only handle. Each
// indexLock opens the file anew and the lock belongs to that open file, so
// a second Open of the same index in this process conflicts just as another
// process does. The writer records its pid in the file, for the message a
// second process gets. gofrs/flock takes the lock the platform's way: flock
// on Unix, LockFileEx on Windows.
type indexLock struct {
	fl        *flock.Flock
	exclusive bool
}

// lockPoll is how often a busy lock is tried again until the timeout.
const lockPoll = 20 * time.Millisecond

// acquire takes the index's lock file, polling until timeout (then
// ErrLocked, naming the owner's pid when known), and records the owner's
// pid in it when writing.
func acquire(dir string, exclusive bool, timeout time.Duration) (*indexLock, error) {
	path := filepath.Join(dir, lockName)
	flag := os.O_RDWR | os.O_CREATE
	if !exclusive {
		flag = os.O_RDONLY
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no index at %s", dir)
		}
	}
	l := &indexLock{fl: flock.New(path, flock.SetFlag(flag), flock.SetPermissions(0o644)), exclusive: exclusive}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := l.try()
		if err != nil {
			return nil, fmt.Errorf("locking index: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, &lockedError{pid: readPID(path)}
		}
		time.Sleep(lockPoll)
	}
	if exclusive {
		writePID(path)
	}
	return l, nil
}

func (l *indexLock) try() (bool, error) {
	if l.exclusive {
		return l.fl.TryLock()
	}
	return l.fl.TryRLock()
}

// release forgets the owner's pid and drops the lock. The file itself stays:
// unlinking it would let two processes lock two different inodes.
func (l *indexLock) release() {
	if l.exclusive {
		os.Truncate(l.fl.Path(), 0)
	}
	l.fl.Unlock()
}

// writePID records this process as the lock's owner. The pid only makes
// the message of a second process better, so failing to write it is not an
// error: Windows, which locks the file's first byte against every other
// handle, does not let it be written (nor read), and the message there goes
// without it.
func writePID(path string) {
	os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// readPID is the owner recorded in the lock file, 0 when none is.
func readPID(path string) int {
	b, _ := os.ReadFile(path)
	if len(b) > 32 {
		b = b[:32]
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
