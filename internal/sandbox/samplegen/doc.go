// Package samplegen builds real files in the formats the sandbox analyses
// (PE, CFB/OLE, VBA projects, OOXML, PDF, ZIP, zip bombs) byte by byte from
// their specifications, for tests, fuzz seeds and benchmarks. Nothing here
// is a mock: every output parses with the standard readers of its format.
package samplegen
