package samplegen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"time"

	dpe "debug/pe"
)

// Import is one DLL and the functions imported from it.
type Import struct {
	DLL   string
	Funcs []string
}

// Section is an extra section to add.
type Section struct {
	Name            string
	Data            []byte
	Characteristics uint32
	// VirtualSize overrides len(Data) when larger (e.g. UPX0 with no raw data).
	VirtualSize uint32
}

// PEOptions describe a PE32+ image to build.
type PEOptions struct {
	DLL       bool
	Timestamp time.Time
	// Code is the .text content (default: one RET).
	Code     []byte
	Imports  []Import
	Exports  []string
	Sections []Section
	// Overlay is appended after the last section.
	Overlay []byte
	// Certificate is PKCS#7 DER placed in the security directory.
	Certificate []byte
}

const (
	fileAlign = 0x200
	sectAlign = 0x1000
)

func alignUp(v, a uint32) uint32 { return (v + a - 1) &^ (a - 1) }

// PE builds a PE32+ (amd64) image.
func PE(o PEOptions) []byte {
	type sec struct {
		hdr  dpe.SectionHeader32
		data []byte
	}
	var secs []sec
	code := o.Code
	if len(code) == 0 {
		code = []byte{0xc3}
	}
	secs = append(secs, sec{hdr: dpe.SectionHeader32{Characteristics: dpe.IMAGE_SCN_CNT_CODE | dpe.IMAGE_SCN_MEM_EXECUTE | dpe.IMAGE_SCN_MEM_READ}, data: code})
	copy(secs[0].hdr.Name[:], ".text")
	// RVAs are assigned in order, one section alignment apart.
	rva := uint32(sectAlign)
	nextRVA := func(size uint32) uint32 {
		r := rva
		rva += alignUp(max(size, 1), sectAlign)
		return r
	}
	secs[0].hdr.VirtualAddress = nextRVA(uint32(len(code)))
	var dirs [16]dpe.DataDirectory
	if len(o.Imports) > 0 {
		// The import table's RVAs depend on its own RVA: reserve it first.
		base := rva
		idata, impSize := buildImports(o.Imports, base)
		s := sec{hdr: dpe.SectionHeader32{Characteristics: dpe.IMAGE_SCN_CNT_INITIALIZED_DATA | dpe.IMAGE_SCN_MEM_READ | dpe.IMAGE_SCN_MEM_WRITE}, data: idata}
		copy(s.hdr.Name[:], ".idata")
		s.hdr.VirtualAddress = nextRVA(uint32(len(idata)))
		secs = append(secs, s)
		dirs[dpe.IMAGE_DIRECTORY_ENTRY_IMPORT] = dpe.DataDirectory{VirtualAddress: base, Size: impSize}
	}
	if len(o.Exports) > 0 {
		base := rva
		edata := buildExports(o.Exports, base)
		s := sec{hdr: dpe.SectionHeader32{Characteristics: dpe.IMAGE_SCN_CNT_INITIALIZED_DATA | dpe.IMAGE_SCN_MEM_READ}, data: edata}
		copy(s.hdr.Name[:], ".edata")
		s.hdr.VirtualAddress = nextRVA(uint32(len(edata)))
		secs = append(secs, s)
		dirs[dpe.IMAGE_DIRECTORY_ENTRY_EXPORT] = dpe.DataDirectory{VirtualAddress: base, Size: uint32(len(edata))}
	}
	for _, x := range o.Sections {
		s := sec{hdr: dpe.SectionHeader32{Characteristics: x.Characteristics}, data: x.Data}
		copy(s.hdr.Name[:], x.Name)
		s.hdr.VirtualAddress = nextRVA(max(uint32(len(x.Data)), x.VirtualSize))
		s.hdr.VirtualSize = max(uint32(len(x.Data)), x.VirtualSize)
		secs = append(secs, s)
	}
	headerSize := alignUp(0x80+4+20+240+uint32(len(secs))*40, fileAlign)
	off := headerSize
	var sizeCode, sizeData uint32
	for i := range secs {
		h := &secs[i].hdr
		if h.VirtualSize == 0 {
			h.VirtualSize = uint32(len(secs[i].data))
		}
		h.SizeOfRawData = alignUp(uint32(len(secs[i].data)), fileAlign)
		if len(secs[i].data) > 0 {
			h.PointerToRawData = off
			off += h.SizeOfRawData
		}
		if h.Characteristics&dpe.IMAGE_SCN_CNT_CODE != 0 {
			sizeCode += h.SizeOfRawData
		} else {
			sizeData += h.SizeOfRawData
		}
	}
	var buf bytes.Buffer
	dos := make([]byte, 0x80)
	dos[0], dos[1] = 'M', 'Z'
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x80)
	copy(dos[0x40:], "This program cannot be run in DOS mode.\r\r\n$")
	buf.Write(dos)
	buf.WriteString("PE\x00\x00")
	ch := uint16(dpe.IMAGE_FILE_EXECUTABLE_IMAGE | dpe.IMAGE_FILE_LARGE_ADDRESS_AWARE)
	if o.DLL {
		ch |= dpe.IMAGE_FILE_DLL
	}
	ts := o.Timestamp
	if ts.IsZero() {
		ts = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	fh := dpe.FileHeader{Machine: dpe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: uint16(len(secs)), TimeDateStamp: uint32(ts.Unix()), SizeOfOptionalHeader: 240, Characteristics: ch}
	_ = binary.Write(&buf, binary.LittleEndian, fh)
	imageSize := rva
	var certOff uint32
	fileEnd := off + uint32(len(o.Overlay))
	if len(o.Certificate) > 0 {
		certOff = alignUp(fileEnd, 8)
		dirs[dpe.IMAGE_DIRECTORY_ENTRY_SECURITY] = dpe.DataDirectory{VirtualAddress: certOff, Size: alignUp(uint32(8+len(o.Certificate)), 8)}
	}
	oh := dpe.OptionalHeader64{
		Magic: 0x20b, MajorLinkerVersion: 14, SizeOfCode: sizeCode, SizeOfInitializedData: sizeData,
		AddressOfEntryPoint: secs[0].hdr.VirtualAddress, BaseOfCode: secs[0].hdr.VirtualAddress, ImageBase: 0x140000000,
		SectionAlignment: sectAlign, FileAlignment: fileAlign, MajorOperatingSystemVersion: 6, MajorSubsystemVersion: 6,
		SizeOfImage: imageSize, SizeOfHeaders: headerSize, Subsystem: dpe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
		DllCharacteristics: dpe.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | dpe.IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
		SizeOfStackReserve: 0x100000, SizeOfStackCommit: 0x1000, SizeOfHeapReserve: 0x100000, SizeOfHeapCommit: 0x1000,
		NumberOfRvaAndSizes: 16, DataDirectory: dirs,
	}
	_ = binary.Write(&buf, binary.LittleEndian, oh)
	for _, s := range secs {
		_ = binary.Write(&buf, binary.LittleEndian, s.hdr)
	}
	pad(&buf, int(headerSize))
	for _, s := range secs {
		if len(s.data) == 0 {
			continue
		}
		buf.Write(s.data)
		pad(&buf, int(s.hdr.PointerToRawData+s.hdr.SizeOfRawData))
	}
	buf.Write(o.Overlay)
	if len(o.Certificate) > 0 {
		pad(&buf, int(certOff))
		hdr := make([]byte, 8)
		binary.LittleEndian.PutUint32(hdr, dirs[dpe.IMAGE_DIRECTORY_ENTRY_SECURITY].Size)
		binary.LittleEndian.PutUint16(hdr[4:], 0x0200)
		binary.LittleEndian.PutUint16(hdr[6:], 0x0002)
		buf.Write(hdr)
		buf.Write(o.Certificate)
		pad(&buf, int(certOff+dirs[dpe.IMAGE_DIRECTORY_ENTRY_SECURITY].Size))
	}
	return buf.Bytes()
}

func pad(b *bytes.Buffer, to int) {
	for b.Len() < to {
		b.WriteByte(0)
	}
}

// buildImports lays out descriptors, lookup tables, address tables,
// hint/name entries and DLL names for a section starting at base.
func buildImports(imps []Import, base uint32) ([]byte, uint32) {
	nDesc := len(imps) + 1
	descSize := nDesc * 20
	// Offsets of each part inside the section.
	thunkCount := 0
	for _, im := range imps {
		thunkCount += len(im.Funcs) + 1
	}
	iltOff := descSize
	iatOff := iltOff + thunkCount*8
	namesOff := iatOff + thunkCount*8
	var names bytes.Buffer
	out := make([]byte, namesOff)
	ti := 0
	for i, im := range imps {
		dllName := uint32(namesOff + names.Len())
		names.WriteString(im.DLL)
		names.WriteByte(0)
		if names.Len()%2 == 1 {
			names.WriteByte(0)
		}
		d := out[i*20:]
		binary.LittleEndian.PutUint32(d[0:], base+uint32(iltOff+ti*8))
		binary.LittleEndian.PutUint32(d[12:], base+dllName)
		binary.LittleEndian.PutUint32(d[16:], base+uint32(iatOff+ti*8))
		for _, fn := range im.Funcs {
			hn := uint32(namesOff + names.Len())
			names.Write([]byte{0, 0})
			names.WriteString(fn)
			names.WriteByte(0)
			if names.Len()%2 == 1 {
				names.WriteByte(0)
			}
			binary.LittleEndian.PutUint64(out[iltOff+ti*8:], uint64(base+hn))
			binary.LittleEndian.PutUint64(out[iatOff+ti*8:], uint64(base+hn))
			ti++
		}
		ti++ // null terminator thunk
	}
	return append(out, names.Bytes()...), uint32(descSize)
}

// buildExports lays out an export directory with names only.
func buildExports(names []string, base uint32) []byte {
	n := len(names)
	dirSize := 40
	eatOff := dirSize
	nptOff := eatOff + n*4
	ordOff := nptOff + n*4
	strOff := ordOff + n*2
	out := make([]byte, strOff)
	var strs bytes.Buffer
	dllName := uint32(strOff)
	strs.WriteString("sample.dll\x00")
	binary.LittleEndian.PutUint32(out[12:], base+dllName)
	binary.LittleEndian.PutUint32(out[16:], 1)
	binary.LittleEndian.PutUint32(out[20:], uint32(n))
	binary.LittleEndian.PutUint32(out[24:], uint32(n))
	binary.LittleEndian.PutUint32(out[28:], base+uint32(eatOff))
	binary.LittleEndian.PutUint32(out[32:], base+uint32(nptOff))
	binary.LittleEndian.PutUint32(out[36:], base+uint32(ordOff))
	for i, name := range names {
		binary.LittleEndian.PutUint32(out[eatOff+i*4:], 0x1000) // all point at .text
		binary.LittleEndian.PutUint32(out[nptOff+i*4:], base+uint32(strOff+strs.Len()))
		binary.LittleEndian.PutUint16(out[ordOff+i*2:], uint16(i))
		strs.WriteString(name)
		strs.WriteByte(0)
	}
	return append(out, strs.Bytes()...)
}

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// SignedPKCS7 returns a PKCS#7 SignedData shaped like an Authenticode
// signature: a freshly generated self-signed ECDSA certificate for
// commonName and one SignerInfo that names it and really signs content's
// SHA-256. (It signs plain content, not an Authenticode PE hash.)
func SignedPKCS7(commonName string, content []byte) ([]byte, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x5eed),
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"EventSec Test"}},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	digest := sha256.Sum256(content)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, nil, err
	}
	type algID struct {
		Algorithm asn1.ObjectIdentifier
	}
	type issuerSerial struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	type signerInfo struct {
		Version         int
		IssuerAndSerial issuerSerial
		DigestAlg       algID
		SigAlg          algID
		Signature       []byte
	}
	type inner struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
	}
	type signedData struct {
		Version      int
		DigestAlgs   []algID `asn1:"set"`
		ContentInfo  inner
		Certificates asn1.RawValue `asn1:"tag:0"`
		SignerInfos  []signerInfo  `asn1:"set"`
	}
	octets, _ := asn1.Marshal(content)
	sd := signedData{
		Version:      1,
		DigestAlgs:   []algID{{oidSHA256}},
		ContentInfo:  inner{ContentType: oidData, Content: asn1.RawValue{FullBytes: explicit0(octets)}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der},
		SignerInfos: []signerInfo{{
			Version:         1,
			IssuerAndSerial: issuerSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber},
			DigestAlg:       algID{oidSHA256},
			SigAlg:          algID{oidECDSA256},
			Signature:       sig,
		}},
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, nil, err
	}
	ci := struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}{oidSignedData, asn1.RawValue{FullBytes: explicit0(sdDER)}}
	out, err := asn1.Marshal(ci)
	return out, cert, err
}

// explicit0 wraps DER in a [0] EXPLICIT tag; encoding/asn1 writes a
// RawValue's FullBytes verbatim, ignoring the field's tag options.
func explicit0(inner []byte) []byte {
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})
	return b
}
