package email

import "time"

// Verdict is the judgement on a message.
type Verdict string

// Verdicts, from the least to the most severe. Clean means nothing
// suspicious was found, not that the message is proven safe.
const (
	VerdictClean      Verdict = "clean"
	VerdictSuspicious Verdict = "suspicious"
	VerdictPhishing   Verdict = "phishing"
	// VerdictMalicious is a message over the phishing score whose
	// attachments carry malware traits (executables, macros).
	VerdictMalicious Verdict = "malicious"
)

// Verdicts lists the verdicts in rising severity.
var Verdicts = []Verdict{VerdictClean, VerdictSuspicious, VerdictPhishing, VerdictMalicious}

// Rank orders verdicts: clean 0 .. malicious 3, -1 for an unknown one.
func (v Verdict) Rank() int {
	for i, x := range Verdicts {
		if x == v {
			return i
		}
	}
	return -1
}

// Score thresholds of the verdicts.
const (
	SuspiciousScore = 30
	PhishingScore   = 60
)

// Reason is one weighted observation behind a score.
type Reason struct {
	// Code is stable and machine-readable, e.g. "auth.dmarc_fail".
	Code    string `json:"code"`
	Message string `json:"message"`
	// Weight is added to the score (which is clamped to 0..100).
	Weight int `json:"weight"`
	// Evidence is what was seen.
	Evidence string `json:"evidence,omitempty"`
}

// IntelHit is a value of the message that matches a threat indicator.
type IntelHit struct {
	Value       string `json:"value"`
	Type        string `json:"type"`
	Severity    string `json:"severity"`
	IndicatorID string `json:"indicator_id"`
	Source      string `json:"source,omitempty"`
}

// Typosquat is a brand or own domain a host imitates.
type Typosquat struct {
	Brand     string `json:"brand"`
	Technique string `json:"technique"`
	Distance  int    `json:"distance,omitempty"`
	Label     string `json:"label"`
}

// URLReport is the analysis of one link.
type URLReport struct {
	Link
	RegisteredDomain string      `json:"registered_domain,omitempty"`
	HostUnicode      string      `json:"host_unicode,omitempty"`
	Score            int         `json:"score"`
	Verdict          Verdict     `json:"verdict"`
	Reasons          []Reason    `json:"reasons"`
	Typosquats       []Typosquat `json:"typosquats,omitempty"`
	Intel            []IntelHit  `json:"intel,omitempty"`
}

// SandboxSummary is the sandbox's static analysis of an attachment.
type SandboxSummary struct {
	Verdict string   `json:"verdict"`
	Score   int      `json:"score"`
	Type    string   `json:"type,omitempty"`
	Reasons []Reason `json:"reasons"`
	Error   string   `json:"error,omitempty"`
}

// AttachmentReport is the analysis of one attachment.
type AttachmentReport struct {
	Part        string          `json:"part"`
	Filename    string          `json:"filename"`
	ContentType string          `json:"content_type"`
	SniffedType string          `json:"sniffed_type"`
	Size        int64           `json:"size"`
	SHA256      string          `json:"sha256"`
	Score       int             `json:"score"`
	Verdict     Verdict         `json:"verdict"`
	Reasons     []Reason        `json:"reasons"`
	Sandbox     *SandboxSummary `json:"sandbox,omitempty"`
	Intel       []IntelHit      `json:"intel,omitempty"`
}

// Report is the analysis of one message: the verdict, its score and every
// reason, and the parsed message with the analyses of its parts.
type Report struct {
	Verdict Verdict  `json:"verdict"`
	Score   int      `json:"score"`
	Reasons []Reason `json:"reasons"`
	Message *Message `json:"message"`
	// DateSkewSeconds is the Date header minus the time the receiving
	// server recorded (nil when either is missing).
	DateSkewSeconds *float64           `json:"date_skew_seconds,omitempty"`
	SenderLookalike []Typosquat        `json:"sender_lookalike,omitempty"`
	URLs            []URLReport        `json:"urls"`
	Attachments     []AttachmentReport `json:"attachments"`
	Intel           []IntelHit         `json:"intel"`
	AnalyzedAt      time.Time          `json:"analyzed_at"`
	DurationMS      int64              `json:"duration_ms"`
}

func verdictFor(score int) Verdict {
	switch {
	case score >= PhishingScore:
		return VerdictPhishing
	case score >= SuspiciousScore:
		return VerdictSuspicious
	}
	return VerdictClean
}

func sumWeights(rs []Reason) int {
	s := 0
	for _, r := range rs {
		s += r.Weight
	}
	return max(0, min(100, s))
}
