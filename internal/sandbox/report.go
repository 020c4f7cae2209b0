package sandbox

import (
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/archive"
	"github.com/eventsec/eventsec/internal/sandbox/elf"
	"github.com/eventsec/eventsec/internal/sandbox/filetype"
	"github.com/eventsec/eventsec/internal/sandbox/finding"
	"github.com/eventsec/eventsec/internal/sandbox/indicator"
	"github.com/eventsec/eventsec/internal/sandbox/macho"
	"github.com/eventsec/eventsec/internal/sandbox/office"
	"github.com/eventsec/eventsec/internal/sandbox/pdf"
	"github.com/eventsec/eventsec/internal/sandbox/pe"
	"github.com/eventsec/eventsec/internal/sandbox/script"
	"github.com/eventsec/eventsec/internal/sandbox/strs"
	"github.com/eventsec/eventsec/internal/sandbox/urlscan"
	"github.com/eventsec/eventsec/internal/sandbox/yara"
)

// Kind is what was analysed.
type Kind string

// Report kinds.
const (
	KindFile   Kind = "file"
	KindURL    Kind = "url"
	KindDomain Kind = "domain"
	KindIP     Kind = "ip"
	KindHash   Kind = "hash"
)

// Verdict is the overall judgement.
type Verdict string

// Verdicts. Clean means no static signal was found, not that the sample is
// proven safe.
const (
	VerdictClean      Verdict = "clean"
	VerdictSuspicious Verdict = "suspicious"
	VerdictMalicious  Verdict = "malicious"
)

// Score thresholds for the verdicts.
const (
	SuspiciousScore = 25
	MaliciousScore  = 70
)

// Reason is one weighted observation behind a score.
type Reason = finding.Finding

// Indicator is an extracted IOC, ready for "add to intel".
type Indicator = indicator.Indicator

// Hashes are the sample's digests. TLSH is empty for samples under 50 bytes
// (the algorithm needs more input).
type Hashes struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	SHA512 string `json:"sha512,omitempty"`
	TLSH   string `json:"tlsh,omitempty"`
	SSDeep string `json:"ssdeep,omitempty"`
}

// Strings summarises the printable strings of a sample.
type Strings struct {
	// Count is how many strings were extracted (up to the scan cap).
	Count int `json:"count"`
	// Truncated is set when the scan cap stopped extraction.
	Truncated bool `json:"truncated"`
	// Sample is the first strings, capped by Options.MaxReportStrings.
	Sample []strs.String `json:"sample"`
}

// YARAResult is the YARA part of a report.
type YARAResult struct {
	Enabled bool         `json:"enabled"`
	Message string       `json:"message,omitempty"`
	Matches []yara.Match `json:"matches,omitempty"`
	Error   string       `json:"error,omitempty"`
}

// HashInfo describes the input of a hash-only analysis.
type HashInfo struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

// Report is the result of one analysis. Every field has a stable JSON name;
// format sections are present only for the formats found.
type Report struct {
	Kind Kind `json:"kind"`
	// Target is the file name, URL, domain, IP or hash analysed.
	Target string `json:"target"`
	// Path is the member path inside the parent archive or document
	// ("outer.zip/inner.zip/a.exe"); empty at the top level.
	Path  string `json:"path,omitempty"`
	Depth int    `json:"depth,omitempty"`

	Verdict Verdict  `json:"verdict"`
	Score   int      `json:"score"`
	Reasons []Reason `json:"reasons"`
	// Indicators are the IOCs found in this sample and all its children.
	Indicators []Indicator `json:"indicators"`

	Size              int64          `json:"size,omitempty"`
	Hashes            *Hashes        `json:"hashes,omitempty"`
	Type              *filetype.Type `json:"type,omitempty"`
	ExtensionMismatch bool           `json:"extension_mismatch,omitempty"`
	Entropy           float64        `json:"entropy,omitempty"`
	EntropyChunks     []strs.Chunk   `json:"entropy_chunks,omitempty"`
	Strings           *Strings       `json:"strings,omitempty"`

	PE      *pe.Info        `json:"pe,omitempty"`
	ELF     *elf.Info       `json:"elf,omitempty"`
	MachO   *macho.Info     `json:"macho,omitempty"`
	Office  *office.Info    `json:"office,omitempty"`
	PDF     *pdf.Info       `json:"pdf,omitempty"`
	Archive *archive.Info   `json:"archive,omitempty"`
	Script  *script.Info    `json:"script,omitempty"`
	URL     *urlscan.Result `json:"url,omitempty"`
	Hash    *HashInfo       `json:"hash,omitempty"`
	YARA    *YARAResult     `json:"yara,omitempty"`

	// Children are the reports of archive members and embedded objects.
	Children []*Report `json:"children,omitempty"`
	// Errors are non-fatal problems met while analysing (a corrupt
	// section, an undecodable stream).
	Errors []string `json:"errors,omitempty"`
	// Incomplete is set when the timeout or a limit cut the analysis short.
	Incomplete bool `json:"incomplete,omitempty"`

	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
}
