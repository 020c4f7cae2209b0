// Package archive opens archives and compressed files in memory (ZIP, gzip,
// tar, bzip2) and hands each member to a callback, with decompression-bomb
// protection: a byte budget shared by a whole analysis, a per-member cap,
// a compression-ratio check before inflating, a member count limit, and
// flags for path-traversal names. Nothing is ever written to disk.
package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Format names an archive format.
type Format string

// Supported formats. The identify-only ones are listed so callers can say
// "not unpacked" instead of "unknown".
const (
	Zip      Format = "zip"
	Gzip     Format = "gzip"
	Tar      Format = "tar"
	Bzip2    Format = "bzip2"
	SevenZip Format = "7z"
	RAR      Format = "rar"
	XZ       Format = "xz"
	Cab      Format = "cab"
	ISO      Format = "iso"
	Zstd     Format = "zstd"
)

// Unpackable reports whether Walk can open f.
func Unpackable(f Format) bool {
	switch f {
	case Zip, Gzip, Tar, Bzip2:
		return true
	}
	return false
}

// Errors.
var (
	// ErrUnsupported is returned for identify-only formats.
	ErrUnsupported = errors.New("archive format is identified but not unpacked")
	// ErrBudget is returned when the shared unpack budget is exhausted.
	ErrBudget = errors.New("unpacked-bytes budget exhausted")
)

// Budget is the number of decompressed bytes an analysis may still produce.
// One Budget is shared by every archive of a sample, however deep. It is
// used from one goroutine.
type Budget struct {
	Remaining int64
}

// Limits bound one Walk.
type Limits struct {
	// MaxFiles is the most members handed to the callback (default 10,000).
	MaxFiles int
	// MaxMemberSize is the largest member extracted (default 64 MiB).
	MaxMemberSize int64
	// MaxRatio is the largest declared uncompressed/compressed ratio a member
	// above RatioMinSize may have before it is treated as a bomb (default 200).
	MaxRatio float64
	// RatioMinSize exempts small members from the ratio check (default 1 MiB).
	RatioMinSize int64
	// Budget is shared across nested archives; nil means MaxMemberSize*MaxFiles.
	Budget *Budget
}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 10_000
	}
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = 64 << 20
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 200
	}
	if l.RatioMinSize <= 0 {
		l.RatioMinSize = 1 << 20
	}
	if l.Budget == nil {
		l.Budget = &Budget{Remaining: l.MaxMemberSize * int64(l.MaxFiles)}
	}
	return l
}

// Member is one entry of an archive.
type Member struct {
	Name string `json:"name"`
	// Size is the declared uncompressed size (-1 when the format has none).
	Size           int64 `json:"size"`
	CompressedSize int64 `json:"compressed_size,omitempty"`
	Dir            bool  `json:"dir,omitempty"`
	Encrypted      bool  `json:"encrypted,omitempty"`
	// Traversal is set for names that would escape the extraction folder
	// ("../", absolute paths, drive letters, UNC paths).
	Traversal bool `json:"path_traversal,omitempty"`
	Symlink   bool `json:"symlink,omitempty"`
	// Skipped says why the member's data was not extracted.
	Skipped string `json:"skipped,omitempty"`
	// Data is the extracted content (nil when skipped or a directory).
	Data []byte `json:"-"`
}

// Info summarises a walk.
type Info struct {
	Format  Format   `json:"format"`
	Members []Member `json:"members"`
	// TotalDeclared is the sum of the members' declared sizes.
	TotalDeclared  int64 `json:"total_declared"`
	TotalExtracted int64 `json:"total_extracted"`
	Encrypted      int   `json:"encrypted_members,omitempty"`
	Traversal      int   `json:"traversal_members,omitempty"`
	// Truncated is set when MaxFiles stopped the walk.
	Truncated bool `json:"truncated,omitempty"`
	// Bomb lists the decompression-bomb signs seen.
	Bomb    []string `json:"bomb,omitempty"`
	Comment string   `json:"comment,omitempty"`
}

// Traversal reports whether an archive member name would escape the folder
// it is extracted to.
func Traversal(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") {
		return true
	}
	if len(n) >= 2 && n[1] == ':' && ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) {
		return true
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

// Walk opens data as format and calls fn for each member, in order, with the
// member's data extracted (unless skipped). fn may return an error to stop.
// The Info returned describes every member seen, without Data.
func Walk(ctx context.Context, format Format, name string, data []byte, lim Limits, fn func(Member) error) (*Info, error) {
	lim = lim.withDefaults()
	info := &Info{Format: format}
	emit := func(m Member) error {
		if m.Traversal {
			info.Traversal++
		}
		if m.Encrypted {
			info.Encrypted++
		}
		if m.Size > 0 {
			info.TotalDeclared += m.Size
		}
		info.TotalExtracted += int64(len(m.Data))
		err := fn(m)
		m.Data = nil
		info.Members = append(info.Members, m)
		return err
	}
	var err error
	switch format {
	case Zip:
		err = walkZip(ctx, data, lim, info, emit)
	case Gzip:
		err = walkGzip(data, name, lim, info, emit)
	case Bzip2:
		err = walkSingle(bzip2.NewReader(bytes.NewReader(data)), strings.TrimSuffix(path.Base(name), path.Ext(name)), int64(len(data)), lim, info, emit)
	case Tar:
		err = walkTar(ctx, bytes.NewReader(data), lim, info, emit)
	default:
		return info, ErrUnsupported
	}
	return info, err
}

// take reads at most n bytes (n > 0) and reports whether the source had more.
func take(r io.Reader, n int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	c, err := io.Copy(&buf, io.LimitReader(r, n+1))
	if err != nil {
		return buf.Bytes(), false, err
	}
	if c > n {
		return buf.Bytes()[:n], true, nil
	}
	return buf.Bytes(), false, nil
}

// extract reads a member within both the per-member cap and the budget.
func extract(r io.Reader, lim Limits, m *Member, info *Info) {
	limit := min(lim.MaxMemberSize, lim.Budget.Remaining)
	if limit <= 0 {
		m.Skipped = "unpack budget exhausted"
		info.addBomb("total unpacked size limit reached")
		return
	}
	data, more, err := take(r, limit)
	lim.Budget.Remaining -= int64(len(data))
	if err != nil {
		m.Skipped = fmt.Sprintf("cannot decompress: %v", err)
		if len(data) > 0 {
			m.Data = data
		}
		return
	}
	if more {
		m.Skipped = "member larger than the extraction limit (truncated)"
		info.addBomb(fmt.Sprintf("member %q inflates beyond %d bytes", m.Name, limit))
	}
	m.Data = data
}

func (info *Info) addBomb(s string) {
	for _, b := range info.Bomb {
		if b == s {
			return
		}
	}
	if len(info.Bomb) < 20 {
		info.Bomb = append(info.Bomb, s)
	}
}

func walkZip(ctx context.Context, data []byte, lim Limits, info *Info, emit func(Member) error) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("cannot open zip: %w", err)
	}
	info.Comment = truncate(zr.Comment, 1024)
	// Look at every declared size before inflating anything: a bomb is
	// refused from its central directory alone.
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > uint64(lim.Budget.Remaining) {
		info.addBomb(fmt.Sprintf("declared total %d bytes exceeds the remaining unpack budget %d", declared, lim.Budget.Remaining))
	}
	if len(zr.File) > lim.MaxFiles {
		info.Truncated = true
		info.addBomb(fmt.Sprintf("%d members exceed the limit of %d", len(zr.File), lim.MaxFiles))
	}
	for i, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i >= lim.MaxFiles {
			break
		}
		m := Member{
			Name:           f.Name,
			Size:           int64(min(f.UncompressedSize64, 1<<62)),
			CompressedSize: int64(min(f.CompressedSize64, 1<<62)),
			Dir:            strings.HasSuffix(f.Name, "/") || f.FileInfo().IsDir(),
			Encrypted:      f.Flags&0x1 != 0,
			Traversal:      Traversal(f.Name),
			Symlink:        f.Mode()&0o170000 == 0o120000,
		}
		switch {
		case m.Dir:
		case m.Encrypted:
			m.Skipped = "encrypted"
		case f.Method != zip.Store && f.Method != zip.Deflate:
			m.Skipped = fmt.Sprintf("unsupported compression method %d", f.Method)
		case f.UncompressedSize64 > uint64(lim.MaxMemberSize):
			m.Skipped = "declared size exceeds the member limit"
			info.addBomb(fmt.Sprintf("member %q declares %d bytes", f.Name, f.UncompressedSize64))
		case f.UncompressedSize64 > uint64(max(lim.Budget.Remaining, 0)):
			m.Skipped = "declared size exceeds the remaining unpack budget"
			info.addBomb("total unpacked size limit reached")
		case int64(f.UncompressedSize64) >= lim.RatioMinSize && float64(f.UncompressedSize64) > lim.MaxRatio*float64(max(f.CompressedSize64, 1)):
			m.Skipped = "compression ratio too high"
			info.addBomb(fmt.Sprintf("member %q compression ratio %.0f:1", f.Name, float64(f.UncompressedSize64)/float64(max(f.CompressedSize64, 1))))
		default:
			rc, err := f.Open()
			if err != nil {
				m.Skipped = fmt.Sprintf("cannot open member: %v", err)
				break
			}
			extract(rc, lim, &m, info)
			rc.Close()
		}
		if err := emit(m); err != nil {
			return err
		}
	}
	return nil
}

func walkGzip(data []byte, name string, lim Limits, info *Info, emit func(Member) error) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("cannot open gzip: %w", err)
	}
	defer zr.Close()
	inner := zr.Name
	if inner == "" {
		base := path.Base(strings.ReplaceAll(name, `\`, "/"))
		switch ext := strings.ToLower(path.Ext(base)); ext {
		case ".tgz":
			inner = strings.TrimSuffix(base, path.Ext(base)) + ".tar"
		default:
			inner = strings.TrimSuffix(base, path.Ext(base))
		}
	}
	return walkSingle(zr, inner, int64(len(data)), lim, info, emit)
}

// walkSingle handles formats that compress one stream (gzip, bzip2).
func walkSingle(r io.Reader, name string, compressed int64, lim Limits, info *Info, emit func(Member) error) error {
	if name == "" || name == "." || name == "/" {
		name = "data"
	}
	m := Member{Name: name, Size: -1, CompressedSize: compressed, Traversal: Traversal(name)}
	extract(r, lim, &m, info)
	if n := int64(len(m.Data)); n >= lim.RatioMinSize && float64(n) > lim.MaxRatio*float64(max(compressed, 1)) {
		info.addBomb(fmt.Sprintf("stream compression ratio at least %.0f:1", float64(n)/float64(max(compressed, 1))))
	}
	return emit(m)
}

func walkTar(ctx context.Context, r io.Reader, lim Limits, info *Info, emit func(Member) error) error {
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read tar header: %w", err)
		}
		if n >= lim.MaxFiles {
			info.Truncated = true
			info.addBomb(fmt.Sprintf("more than %d members", lim.MaxFiles))
			return nil
		}
		m := Member{
			Name:      h.Name,
			Size:      h.Size,
			Dir:       h.Typeflag == tar.TypeDir,
			Symlink:   h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink,
			Traversal: Traversal(h.Name),
		}
		if m.Symlink && Traversal(h.Linkname) {
			m.Traversal = true
		}
		if h.Typeflag == tar.TypeReg {
			extract(tr, lim, &m, info)
		}
		if err := emit(m); err != nil {
			return err
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
