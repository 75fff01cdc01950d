//go:build unix

package localapi

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
	"time"
)

// socketInfo describes a socket owned by uid.
type socketInfo struct{ uid uint32 }

func (i socketInfo) Name() string       { return "cli.sock" }
func (i socketInfo) Size() int64        { return 0 }
func (i socketInfo) Mode() fs.FileMode  { return fs.ModeSocket | 0o600 }
func (i socketInfo) ModTime() time.Time { return time.Time{} }
func (i socketInfo) IsDir() bool        { return false }
func (i socketInfo) Sys() any           { return &syscall.Stat_t{Uid: i.uid} }

// A test cannot make a socket owned by another user without root, so the
// check is tested on the file information Lstat would give.
func TestASocketOfAnotherUserIsRefused(t *testing.T) {
	me := os.Getuid()
	if err := checkOwner("cli.sock", socketInfo{uid: uint32(me)}, me); err != nil {
		t.Errorf("own socket refused: %v", err)
	}
	if err := checkOwner("cli.sock", socketInfo{uid: uint32(me + 1)}, me); !errors.Is(err, ErrNotOwned) {
		t.Errorf("another user's socket: %v, want ErrNotOwned", err)
	}
}
