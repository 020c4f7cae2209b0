//go:build windows

package actions

import (
	"os"
	"os/exec"

	"golang.org/x/sys/windows"
)

// killGroup: on Windows exec.CommandContext kills the process itself;
// children are not tracked (a job object would be needed).
func killGroup(*exec.Cmd) {}

func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

// openedPath asks Windows for the final path of the open handle.
func openedPath(f *os.File) (string, bool) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetFinalPathNameByHandle(windows.Handle(f.Fd()), &buf[0], uint32(len(buf)), 0)
	if err != nil || n == 0 || int(n) > len(buf) {
		return "", false
	}
	p := windows.UTF16ToString(buf[:n])
	// GetFinalPathNameByHandle answers \\?\C:\...; drop the prefix.
	if len(p) > 4 && p[:4] == `\\?\` {
		p = p[4:]
	}
	return p, true
}
