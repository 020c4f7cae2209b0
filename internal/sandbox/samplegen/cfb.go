package samplegen

import (
	"bytes"
	"encoding/binary"
	"io"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// Stream is one stream of a compound file, named by its path
// ("VBA/dir", "WordDocument").
type Stream struct {
	Path string
	Data []byte
}

const (
	sectorSize = 512
	miniSize   = 64
	miniCutoff = 4096
	endChain   = 0xfffffffe
	freeSect   = 0xffffffff
	fatSect    = 0xfffffffd
	noStream   = 0xffffffff
)

type cfbNode struct {
	name     string
	storage  bool
	data     []byte
	children []*cfbNode
	id       int
	start    uint32
	size     uint64
	left     uint32
	right    uint32
	child    uint32
}

// CFB writes a version 3 compound file (MS-CFB) holding streams, with
// streams under 4096 bytes in the mini stream as the format requires.
// Storages are created from the paths. Limited to files whose FAT fits in
// the header's 109 DIFAT entries (about 7 MB).
func CFB(streams []Stream) []byte {
	root := &cfbNode{name: "Root Entry", storage: true}
	for _, s := range streams {
		parts := strings.Split(s.Path, "/")
		cur := root
		for i, p := range parts {
			var next *cfbNode
			for _, c := range cur.children {
				if c.name == p {
					next = c
				}
			}
			if next == nil {
				next = &cfbNode{name: p, storage: i < len(parts)-1}
				cur.children = append(cur.children, next)
			}
			if i == len(parts)-1 {
				next.data = s.Data
			}
			cur = next
		}
	}
	// Flatten in directory order and link siblings as a right-leaning chain
	// sorted the way CFB compares names (length, then upper-case).
	var nodes []*cfbNode
	var walk func(n *cfbNode)
	walk = func(n *cfbNode) {
		n.id = len(nodes)
		nodes = append(nodes, n)
		sort.Slice(n.children, func(i, j int) bool {
			a, b := n.children[i].name, n.children[j].name
			if len(a) != len(b) {
				return len(a) < len(b)
			}
			return strings.ToUpper(a) < strings.ToUpper(b)
		})
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	for _, n := range nodes {
		n.left, n.right, n.child = noStream, noStream, noStream
	}
	for _, n := range nodes {
		if len(n.children) > 0 {
			n.child = uint32(n.children[0].id)
			for i := 0; i+1 < len(n.children); i++ {
				n.children[i].right = uint32(n.children[i+1].id)
			}
		}
	}
	// Mini stream and mini FAT.
	var mini bytes.Buffer
	var miniFAT []uint32
	var big []*cfbNode
	for _, n := range nodes[1:] {
		if n.storage {
			continue
		}
		n.size = uint64(len(n.data))
		if len(n.data) == 0 {
			n.start = endChain
			continue
		}
		if len(n.data) >= miniCutoff {
			big = append(big, n)
			continue
		}
		n.start = uint32(mini.Len() / miniSize)
		mini.Write(n.data)
		for mini.Len()%miniSize != 0 {
			mini.WriteByte(0)
		}
		count := (len(n.data) + miniSize - 1) / miniSize
		for i := 0; i < count; i++ {
			if i == count-1 {
				miniFAT = append(miniFAT, endChain)
			} else {
				miniFAT = append(miniFAT, n.start+uint32(i)+1)
			}
		}
	}
	secs := func(n int) int { return (n + sectorSize - 1) / sectorSize }
	dirSecs := secs(len(nodes) * 128)
	miniSecs := secs(mini.Len())
	miniFATSecs := secs(len(miniFAT) * 4)
	bigSecs := 0
	for _, n := range big {
		bigSecs += secs(len(n.data))
	}
	other := dirSecs + miniSecs + miniFATSecs + bigSecs
	fatSecs := 1
	for (other+fatSecs)*4 > fatSecs*sectorSize {
		fatSecs++
	}
	fat := make([]uint32, fatSecs*sectorSize/4)
	for i := range fat {
		fat[i] = freeSect
	}
	next := uint32(0)
	chain := func(count int) uint32 {
		if count == 0 {
			return endChain
		}
		start := next
		for i := 0; i < count; i++ {
			if i == count-1 {
				fat[next] = endChain
			} else {
				fat[next] = next + 1
			}
			next++
		}
		return start
	}
	for i := 0; i < fatSecs; i++ {
		fat[next] = fatSect
		next++
	}
	dirStart := chain(dirSecs)
	miniStart := chain(miniSecs)
	miniFATStart := chain(miniFATSecs)
	for _, n := range big {
		n.start = chain(secs(len(n.data)))
	}
	root.start = miniStart
	root.size = uint64(mini.Len())

	var out bytes.Buffer
	h := make([]byte, sectorSize)
	copy(h, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	le := binary.LittleEndian
	le.PutUint16(h[24:], 0x003e)
	le.PutUint16(h[26:], 0x0003)
	le.PutUint16(h[28:], 0xfffe)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(fatSecs))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], miniCutoff)
	if miniFATSecs > 0 {
		le.PutUint32(h[60:], miniFATStart)
	} else {
		le.PutUint32(h[60:], endChain)
	}
	le.PutUint32(h[64:], uint32(miniFATSecs))
	le.PutUint32(h[68:], endChain)
	for i := 0; i < 109; i++ {
		v := uint32(freeSect)
		if i < fatSecs {
			v = uint32(i)
		}
		le.PutUint32(h[76+i*4:], v)
	}
	out.Write(h)
	for _, v := range fat {
		_ = binary.Write(&out, le, v)
	}
	// Directory.
	dir := make([]byte, dirSecs*sectorSize)
	for i := len(nodes); i < dirSecs*4; i++ {
		e := dir[i*128:]
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], noStream)
	}
	for _, n := range nodes {
		e := dir[n.id*128:]
		name := utf16.Encode([]rune(n.name))
		for i, c := range name {
			le.PutUint16(e[i*2:], c)
		}
		le.PutUint16(e[64:], uint16((len(name)+1)*2))
		switch {
		case n.id == 0:
			e[66] = 5
		case n.storage:
			e[66] = 1
		default:
			e[66] = 2
		}
		e[67] = 1 // black
		le.PutUint32(e[68:], n.left)
		le.PutUint32(e[72:], n.right)
		le.PutUint32(e[76:], n.child)
		if n.storage && n.id != 0 {
			le.PutUint32(e[116:], 0)
		} else {
			le.PutUint32(e[116:], n.start)
			le.PutUint64(e[120:], n.size)
		}
	}
	out.Write(dir)
	out.Write(padTo(mini.Bytes(), miniSecs*sectorSize))
	mf := make([]byte, miniFATSecs*sectorSize)
	for i := range mf {
		mf[i] = 0xff
	}
	for i, v := range miniFAT {
		le.PutUint32(mf[i*4:], v)
	}
	out.Write(mf)
	for _, n := range big {
		out.Write(padTo(n.data, secs(len(n.data))*sectorSize))
	}
	return out.Bytes()
}

func padTo(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, b)
	return out
}

// ReadCFB returns the streams of a compound file with their paths, so a
// built file can be re-rooted or combined with others.
func ReadCFB(b []byte) ([]Stream, error) {
	doc, err := mscfb.New(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out []Stream
	for _, f := range doc.File {
		if f.FileInfo().IsDir() {
			continue
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, err
		}
		out = append(out, Stream{Path: strings.Join(append(append([]string{}, f.Path...), f.Name), "/"), Data: data})
	}
	return out, nil
}
