package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/archive"
	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

func TestTraversal(t *testing.T) {
	for name, want := range map[string]bool{
		"a/b.txt": false, "../x": true, "a/../../x": true, `..\x`: true, "/etc/passwd": true, `C:\x`: true,
		"c:/x": true, `\\server\share`: true, "a..b/c": false, "./a": false,
	} {
		if got := archive.Traversal(name); got != want {
			t.Errorf("Traversal(%q) = %v", name, got)
		}
	}
}

func TestWalkTarAndLimits(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 5, Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte("hello"))
	}
	_ = tw.WriteHeader(&tar.Header{Name: "link", Linkname: "../../etc/shadow", Typeflag: tar.TypeSymlink})
	_ = tw.Close()
	var names []string
	info, err := archive.Walk(context.Background(), archive.Tar, "x.tar", buf.Bytes(), archive.Limits{MaxFiles: 2}, func(m archive.Member) error {
		names = append(names, m.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || !info.Truncated {
		t.Errorf("names %v truncated %v", names, info.Truncated)
	}
	info, _ = archive.Walk(context.Background(), archive.Tar, "x.tar", buf.Bytes(), archive.Limits{}, func(archive.Member) error { return nil })
	if info.Traversal != 1 {
		t.Errorf("symlink escape not flagged: %+v", info.Members)
	}
	if _, err := archive.Walk(context.Background(), archive.SevenZip, "x.7z", []byte("7z"), archive.Limits{}, nil); err != archive.ErrUnsupported {
		t.Errorf("7z: %v", err)
	}
}

func TestWalkZipBomb(t *testing.T) {
	bomb := samplegen.ZipBomb("z", 300)
	info, err := archive.Walk(context.Background(), archive.Zip, "b.zip", bomb, archive.Limits{}, func(m archive.Member) error {
		if m.Data != nil {
			t.Errorf("bomb member inflated: %d bytes", len(m.Data))
		}
		return nil
	})
	if err != nil || len(info.Bomb) == 0 {
		t.Fatalf("err %v bomb %v", err, info.Bomb)
	}
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte(samplegen.Zip([]samplegen.ZipFile{{Name: "../a", Data: []byte("x")}, {Name: "b", Data: bytes.Repeat([]byte("y"), 1000)}})), uint8(0))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "a", Size: 1, Typeflag: tar.TypeReg, Mode: 0o644})
	_, _ = tw.Write([]byte("a"))
	_ = tw.Close()
	f.Add(buf.Bytes(), uint8(2))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x04\x00\x43\xbe\xb7\xe8\x01\x00\x00\x00"), uint8(1))
	formats := []archive.Format{archive.Zip, archive.Gzip, archive.Tar, archive.Bzip2}
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		budget := &archive.Budget{Remaining: 1 << 20}
		_, _ = archive.Walk(context.Background(), formats[int(which)%len(formats)], "f", b, archive.Limits{MaxFiles: 50, MaxMemberSize: 1 << 20, Budget: budget}, func(archive.Member) error { return nil })
		if budget.Remaining < 0 {
			t.Fatalf("budget overrun: %d", budget.Remaining)
		}
	})
}
