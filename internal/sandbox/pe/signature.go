package pe

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"

	dpe "debug/pe"
)

// oidSignedData is PKCS#7 signedData (1.2.840.113549.1.7.2).
var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

const winCertTypePKCS7 = 0x0002

// parseSignature reads the security directory. Its VirtualAddress is a file
// offset, not an RVA. The PKCS#7 SignedData is walked far enough to pull out
// the embedded certificates and the first signer's issuer and serial number;
// neither the signature nor the chain is verified.
func parseSignature(data []byte, dir dpe.DataDirectory) Signature {
	sig := Signature{Offset: dir.VirtualAddress, Size: dir.Size}
	if dir.VirtualAddress == 0 || dir.Size == 0 {
		return sig
	}
	sig.Present = true
	sig.Note = "certificate table parsed; signature and chain not verified"
	blob := slice(data, int64(dir.VirtualAddress), int64(dir.Size))
	if blob == nil || len(blob) < 8 {
		sig.Error = "certificate table lies outside the file"
		return sig
	}
	length := binary.LittleEndian.Uint32(blob[0:])
	ctype := binary.LittleEndian.Uint16(blob[6:])
	if ctype != winCertTypePKCS7 {
		sig.Type = fmt.Sprintf("0x%04x", ctype)
		return sig
	}
	sig.Type = "pkcs7"
	if length < 8 || int(length) > len(blob) {
		length = uint32(len(blob))
	}
	certs, issuer, serial, err := parsePKCS7(blob[8:length])
	if err != nil {
		sig.Error = err.Error()
		return sig
	}
	for _, c := range certs {
		cc := describe(c)
		sig.Certificates = append(sig.Certificates, cc)
		if serial != nil && c.SerialNumber.Cmp(serial) == 0 && bytes.Equal(c.RawIssuer, issuer) {
			signer := cc
			sig.Signer = &signer
		}
	}
	if sig.Signer == nil && len(sig.Certificates) > 0 {
		signer := sig.Certificates[0]
		sig.Signer = &signer
	}
	return sig
}

func describe(c *x509.Certificate) Certificate {
	return Certificate{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		Serial:     c.SerialNumber.Text(16),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		SelfSigned: bytes.Equal(c.RawIssuer, c.RawSubject),
	}
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial asn1.RawValue
}

// parsePKCS7 returns the certificates of a SignedData and the issuer (raw
// DER Name) and serial of its first SignerInfo.
func parsePKCS7(der []byte) (certs []*x509.Certificate, issuer []byte, serial *big.Int, err error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, nil, nil, fmt.Errorf("cannot parse PKCS#7 content info: %w", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, nil, nil, fmt.Errorf("cannot parse PKCS#7: content type %v is not signedData", ci.ContentType)
	}
	var sd asn1.RawValue
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || sd.Tag != asn1.TagSequence {
		return nil, nil, nil, fmt.Errorf("cannot parse PKCS#7 signedData: %v", err)
	}
	// SignedData ::= SEQUENCE { version, digestAlgorithms SET, contentInfo,
	//   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
	rest := sd.Bytes
	var fields []asn1.RawValue
	for len(rest) > 0 && len(fields) < 8 {
		var f asn1.RawValue
		r, err := asn1.Unmarshal(rest, &f)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot parse PKCS#7 signedData field: %w", err)
		}
		fields = append(fields, f)
		rest = r
	}
	var signerInfos *asn1.RawValue
	for i := range fields {
		f := &fields[i]
		switch {
		case f.Class == asn1.ClassContextSpecific && f.Tag == 0:
			certs, err = x509.ParseCertificates(f.Bytes)
			if err != nil {
				// Keep what parsed before the bad certificate.
				certs = parseEach(f.Bytes)
			}
		case f.Class == asn1.ClassUniversal && f.Tag == asn1.TagSet && i >= 3:
			signerInfos = f
		}
	}
	if signerInfos != nil {
		var si asn1.RawValue
		if _, err := asn1.Unmarshal(signerInfos.Bytes, &si); err == nil {
			var version int
			r, err := asn1.Unmarshal(si.Bytes, &version)
			if err == nil {
				var ias issuerAndSerial
				if _, err := asn1.Unmarshal(r, &ias); err == nil {
					issuer = ias.Issuer.FullBytes
					serial = new(big.Int)
					_, _ = asn1.Unmarshal(ias.Serial.FullBytes, &serial)
				}
			}
		}
	}
	return certs, issuer, serial, nil
}

func parseEach(b []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for len(b) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		if err != nil {
			return out
		}
		if c, err := x509.ParseCertificate(rv.FullBytes); err == nil {
			out = append(out, c)
		}
		b = rest
	}
	return out
}
