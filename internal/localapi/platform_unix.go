//go:build unix

package localapi

import (
	"io/fs"
	"syscall"
)

func checkPlatform() error { return nil }

// owner is the uid owning the file fi describes.
func owner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
