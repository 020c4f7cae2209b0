//go:build !windows

package logtail

import (
	"os"
	"syscall"
)

// identify returns the (device, inode) pair of a file.
func identify(_ string, fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, true //nolint:unconvert // Dev is int32 on darwin
}
