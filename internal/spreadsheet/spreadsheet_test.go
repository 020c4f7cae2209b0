package spreadsheet

import "testing"

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"alice":                              "alice",
		"=HYPERLINK(\"http://x\",\"click\")": "'=HYPERLINK(\"http://x\",\"click\")",
		"+1+cmd|' /C calc'!A0":               "'+1+cmd|' /C calc'!A0",
		"-enc SQBFAFgA":                      "'-enc SQBFAFgA",
		"@SUM(1+1)":                          "'@SUM(1+1)",
		"\t=1":                               "'\t=1",
		"a=b":                                "a=b",
		"42":                                 "42",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}
