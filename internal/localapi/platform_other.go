//go:build !unix

package localapi

import (
	"errors"
	"io/fs"
)

// checkPlatform refuses to serve where a socket's owner cannot be checked:
// the command line then opens the index itself, as without a server.
func checkPlatform() error { return errors.New("not supported on this platform") }

func owner(fs.FileInfo) (uid int, ok bool) { return 0, false }
