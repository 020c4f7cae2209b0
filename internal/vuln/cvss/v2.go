package cvss

import (
	"math"
	"strings"
)

// V2 holds the base metrics of a CVSS v2 vector.
type V2 struct {
	AV, AC, Au, C, I, A byte
}

var v2Allowed = map[string]string{
	"AV": "LAN", "AC": "HML", "Au": "MSN", "C": "NPC", "I": "NPC", "A": "NPC",
	// Temporal and environmental metrics: accepted, ignored.
	"E": "", "RL": "", "RC": "", "CDP": "", "TD": "", "CR": "", "IR": "", "AR": "",
}

// ParseV2 parses "AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally wrapped in
// parentheses (as NVD once printed them) or prefixed with "CVSS:2.0/".
func ParseV2(vector string) (V2, error) {
	var v V2
	s := strings.TrimSpace(vector)
	s = strings.TrimPrefix(s, "CVSS:2.0/")
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = s[1 : len(s)-1]
	}
	m, err := metrics(s, v2Allowed)
	if err != nil {
		return v, err
	}
	if err := require(m, "AV", "AC", "Au", "C", "I", "A"); err != nil {
		return v, err
	}
	v.AV, v.AC, v.Au, v.C, v.I, v.A = m["AV"], m["AC"], m["Au"], m["C"], m["I"], m["A"]
	return v, nil
}

// BaseScore computes the CVSS v2 base score (v2 guide section 3.2.1).
func (v V2) BaseScore() float64 {
	impact := 10.41 * (1 - (1-v2CIA(v.C))*(1-v2CIA(v.I))*(1-v2CIA(v.A)))
	if impact == 0 {
		return 0
	}
	var av, ac, au float64
	switch v.AV {
	case 'L':
		av = 0.395
	case 'A':
		av = 0.646
	default:
		av = 1.0
	}
	switch v.AC {
	case 'H':
		ac = 0.35
	case 'M':
		ac = 0.61
	default:
		ac = 0.71
	}
	switch v.Au {
	case 'M':
		au = 0.45
	case 'S':
		au = 0.56
	default:
		au = 0.704
	}
	exploitability := 20 * av * ac * au
	score := (0.6*impact + 0.4*exploitability - 1.5) * 1.176
	// Round half up to one decimal; the small epsilon absorbs binary
	// floating-point error (7.4999999 must print as the 7.5 NVD shows).
	return math.Floor(score*10+0.5+1e-9) / 10
}

func v2CIA(c byte) float64 {
	switch c {
	case 'P':
		return 0.275
	case 'C':
		return 0.660
	}
	return 0
}
