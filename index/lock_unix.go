//go:build unix

package index

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an advisory lock on f without waiting: exclusive for a
// writer, shared for a read-only handle. flock belongs to the open file
// description, so a second Open of the same index in this process conflicts
// just like another process does.
func tryLock(f *os.File, exclusive bool) (locked bool, err error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
