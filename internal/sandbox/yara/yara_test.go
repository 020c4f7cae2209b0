package yara_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/sandbox/yara"
)

func TestCompileAndScan(t *testing.T) {
	if !yara.Enabled() {
		if _, err := yara.Compile("rule x { condition: true }"); !errors.Is(err, yara.ErrDisabled) {
			t.Fatalf("disabled build: %v", err)
		}
		if yara.DisabledMessage != "YARA disabled: built without the yara tag" {
			t.Fatal(yara.DisabledMessage)
		}
		return
	}
	r, err := yara.Compile(`rule Hex { meta: score = 90 author = "t" strings: $h = { 4D 5A 90 00 } $s = "evil" nocase condition: $h or $s }`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := r.Scan(context.Background(), []byte("xxMZ\x90\x00 and EVIL"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[0].Rule != "Hex" || m[0].Score(0) != 90 || len(m[0].Strings) != 2 || m[0].Strings[0].Data != `MZ\x90\x00` {
		t.Fatalf("%+v", m)
	}
	_, err = yara.Compile("rule a {\n  strings:\n    $x = \"a\"\n  condition:\n    $y\n}\nrule b { condition: nosuchident }")
	var ce *yara.CompileError
	if !errors.As(err, &ce) || ce.Errors[0].Line != 6 || !strings.Contains(err.Error(), `line 6: undefined string "$y"`) {
		t.Fatalf("compile error: %v", err)
	}
}
