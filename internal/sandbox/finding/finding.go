// Package finding holds the one type every sandbox analyser reports its
// observations with, so that the verdict can list every reason behind a score
// whatever part of the analysis found it.
package finding

// Finding is one observation that moves a verdict. Weight is added to the
// sample's score (0..100 after clamping); a weight of 0 records a fact worth
// showing that does not by itself make a file suspicious.
type Finding struct {
	// Code is a stable machine-readable identifier, e.g. "pe.injection_apis".
	Code string `json:"code"`
	// Message is a short human sentence.
	Message string `json:"message"`
	// Weight is the contribution to the score.
	Weight int `json:"weight"`
	// Evidence is what was seen (API names, a URL, a byte offset...).
	Evidence string `json:"evidence,omitempty"`
}

// New builds a Finding.
func New(code string, weight int, message, evidence string) Finding {
	return Finding{Code: code, Message: message, Weight: weight, Evidence: evidence}
}
