package cvss

import (
	"fmt"
	"math"
	"strings"
)

// V3 holds the base metrics of a CVSS v3.0 or v3.1 vector, each as its
// one-letter value.
type V3 struct {
	Minor                      int // 0 or 1
	AV, AC, PR, UI, S, C, I, A byte
}

var v3Allowed = map[string]string{
	"AV": "NALP", "AC": "LH", "PR": "NLH", "UI": "NR", "S": "UC", "C": "HLN", "I": "HLN", "A": "HLN",
	// Temporal and environmental metrics are accepted and ignored: the
	// base score is what advisories publish and what we compare.
	"E": "XUPFH", "RL": "XOTWU", "RC": "XURC", "CR": "XLMH", "IR": "XLMH", "AR": "XLMH",
	"MAV": "XNALP", "MAC": "XLH", "MPR": "XNLH", "MUI": "XNR", "MS": "XUC", "MC": "XHLN", "MI": "XHLN", "MA": "XHLN",
}

// ParseV3 parses "CVSS:3.x/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
func ParseV3(vector string) (V3, error) {
	var v V3
	vector = strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v.Minor = 1
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v.Minor = 0
	default:
		return v, fmt.Errorf("%w: %q does not start with CVSS:3.0/ or CVSS:3.1/", ErrInvalidVector, clip(vector))
	}
	m, err := metrics(vector[len("CVSS:3.x/"):], v3Allowed)
	if err != nil {
		return v, err
	}
	if err := require(m, "AV", "AC", "PR", "UI", "S", "C", "I", "A"); err != nil {
		return v, err
	}
	v.AV, v.AC, v.PR, v.UI, v.S, v.C, v.I, v.A = m["AV"], m["AC"], m["PR"], m["UI"], m["S"], m["C"], m["I"], m["A"]
	return v, nil
}

// BaseScore computes the base score with the specification's formula
// (v3.1 section 7.1; v3.0 section 8.1 with its own Roundup).
func (v V3) BaseScore() float64 {
	changed := v.S == 'C'
	iss := 1 - (1-v3CIA(v.C))*(1-v3CIA(v.I))*(1-v3CIA(v.A))
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0
	}
	exploitability := 8.22 * v3AV(v.AV) * v3AC(v.AC) * v3PR(v.PR, changed) * v3UI(v.UI)
	roundUp := roundUp31
	if v.Minor == 0 {
		roundUp = roundUp30
	}
	if changed {
		return roundUp(math.Min(1.08*(impact+exploitability), 10))
	}
	return roundUp(math.Min(impact+exploitability, 10))
}

func v3AV(c byte) float64 {
	switch c {
	case 'N':
		return 0.85
	case 'A':
		return 0.62
	case 'L':
		return 0.55
	}
	return 0.2 // P
}

func v3AC(c byte) float64 {
	if c == 'L' {
		return 0.77
	}
	return 0.44
}

func v3PR(c byte, changed bool) float64 {
	switch c {
	case 'N':
		return 0.85
	case 'L':
		if changed {
			return 0.68
		}
		return 0.62
	}
	if changed {
		return 0.5
	}
	return 0.27
}

func v3UI(c byte) float64 {
	if c == 'N' {
		return 0.85
	}
	return 0.62
}

func v3CIA(c byte) float64 {
	switch c {
	case 'H':
		return 0.56
	case 'L':
		return 0.22
	}
	return 0
}
