// Package cvss parses CVSS vector strings and computes base scores: the
// CVSS v3.0 and v3.1 formulas exactly as the FIRST specifications give
// them, the CVSS v2 formula, and for CVSS v4 a documented approximation
// (see V4.ApproximateScore), because the exact v4 score needs FIRST's
// 270-entry macro-vector table.
package cvss

import (
	"fmt"
	"math"
	"strings"
)

// Result is the base score of one vector.
type Result struct {
	Version     string  // "2.0", "3.0", "3.1" or "4.0"
	Score       float64 // 0.0 to 10.0
	Approximate bool    // true for CVSS v4 (see V4.ApproximateScore)
}

// Score parses a CVSS v2, v3.x or v4 vector and returns its base score.
// A vector without a "CVSS:" prefix is read as CVSS v2, as OSV's CVSS_V2
// type publishes them.
func Score(vector string) (Result, error) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:3."):
		m, err := ParseV3(v)
		if err != nil {
			return Result{}, err
		}
		return Result{Version: fmt.Sprintf("3.%d", m.Minor), Score: m.BaseScore()}, nil
	case strings.HasPrefix(v, "CVSS:4."):
		m, err := ParseV4(v)
		if err != nil {
			return Result{}, err
		}
		return Result{Version: "4.0", Score: m.ApproximateScore(), Approximate: true}, nil
	case strings.HasPrefix(v, "CVSS:2.0/"), !strings.HasPrefix(v, "CVSS:"):
		m, err := ParseV2(v)
		if err != nil {
			return Result{}, err
		}
		return Result{Version: "2.0", Score: m.BaseScore()}, nil
	}
	return Result{}, fmt.Errorf("%w: unsupported version in %q", ErrInvalidVector, clip(v))
}

// Rating is the CVSS v3/v4 qualitative severity of a score: "none",
// "low", "medium", "high" or "critical".
func Rating(score float64) string {
	switch {
	case score <= 0:
		return "none"
	case score < 4.0:
		return "low"
	case score < 7.0:
		return "medium"
	case score < 9.0:
		return "high"
	}
	return "critical"
}

// RatingV2 is the CVSS v2 (NVD) severity of a score: "low", "medium" or
// "high"; v2 has no "none" or "critical".
func RatingV2(score float64) string {
	switch {
	case score < 4.0:
		return "low"
	case score < 7.0:
		return "medium"
	}
	return "high"
}

// metrics splits "K:V/K:V" into a map, rejecting empty parts, unknown and
// repeated keys, and values outside allowed[key] (one letter out of that
// string; an empty string allows any non-empty value, which is then not
// kept).
func metrics(body string, allowed map[string]string) (map[string]byte, error) {
	out := make(map[string]byte, 16)
	seen := make(map[string]bool, 16)
	for part := range strings.SplitSeq(body, "/") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || k == "" || val == "" {
			return nil, fmt.Errorf("%w: malformed metric %q", ErrInvalidVector, clip(part))
		}
		vals, known := allowed[k]
		if !known {
			return nil, fmt.Errorf("%w: unknown metric %q", ErrInvalidVector, clip(k))
		}
		if seen[k] {
			return nil, fmt.Errorf("%w: metric %s given twice", ErrInvalidVector, k)
		}
		seen[k] = true
		if vals != "" {
			if len(val) != 1 || !strings.Contains(vals, val) {
				return nil, fmt.Errorf("%w: %s:%s is not one of %s", ErrInvalidVector, k, clip(val), vals)
			}
			out[k] = val[0]
		}
	}
	return out, nil
}

func require(m map[string]byte, keys ...string) error {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("%w: base metric %s missing", ErrInvalidVector, k)
		}
	}
	return nil
}

// roundUp31 is CVSS v3.1's Roundup (specification appendix A): the
// smallest one-decimal number not below x, computed on integers so that
// 4.000000000000001 stays 4.0.
func roundUp31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// roundUp30 is CVSS v3.0's Roundup: the plain ceiling to one decimal.
func roundUp30(x float64) float64 { return math.Ceil(x*10) / 10 }

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
