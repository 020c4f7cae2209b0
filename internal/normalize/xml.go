package normalize

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

var errXML = errors.New("invalid XML")

// Limits on a Windows event rendered as XML.
const (
	maxXMLDepth    = 16
	maxXMLElements = 4 * MaxFields
)

// isWindowsXML says whether s is a Windows event rendered as XML
// (Windows Event Forwarding, Get-WinEvent's ToXml(), NXLog's xm_xml).
func isWindowsXML(s string) bool {
	return strings.HasPrefix(s, "<Event xmlns=") || strings.HasPrefix(s, "<Event>") ||
		strings.HasPrefix(s, "<?xml") && strings.Contains(s[:min(len(s), 200)], "<Event")
}

// windowsXML maps a Windows event rendered as XML.
func (st *state) windowsXML(text string) {
	rec, err := decodeEventXML(text)
	if err != nil {
		st.failRaw(err.Error(), text)
		return
	}
	if !st.windows(rec) {
		st.failRaw("cannot map Windows event: no System section", text)
	}
}

// decodeEventXML turns <Event> XML into the map shape evtx_dump gives:
// attributes under "#attributes", text under "#text" (or the value itself
// when the element has neither attributes nor children), repeated
// elements as lists.
func decodeEventXML(s string) (map[string]any, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	type frame struct {
		name string
		m    map[string]any
		text strings.Builder
	}
	var stack []*frame
	root := map[string]any{}
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot decode Windows event XML: %w: %v", errXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if len(stack) >= maxXMLDepth || elements > maxXMLElements {
				return nil, fmt.Errorf("cannot decode Windows event XML: %w: over %d levels or %d elements", errXML, maxXMLDepth, maxXMLElements)
			}
			fr := &frame{name: t.Name.Local, m: map[string]any{}}
			if len(t.Attr) > 0 {
				attrs := make(map[string]any, len(t.Attr))
				for _, a := range t.Attr {
					if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
						continue
					}
					attrs[a.Name.Local] = a.Value
				}
				if len(attrs) > 0 {
					fr.m["#attributes"] = attrs
				}
			}
			stack = append(stack, fr)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("cannot decode Windows event XML: %w: unbalanced", errXML)
			}
			fr := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var v any = fr.m
			txt := strings.TrimSpace(fr.text.String())
			switch {
			case len(fr.m) == 0 && txt == "":
				v = nil
			case len(fr.m) == 0:
				v = txt
			case txt != "":
				fr.m["#text"] = txt
			}
			parent := root
			if len(stack) > 0 {
				parent = stack[len(stack)-1].m
			}
			switch old := parent[fr.name].(type) {
			case nil:
				if _, exists := parent[fr.name]; exists {
					parent[fr.name] = []any{nil, v}
				} else {
					parent[fr.name] = v
				}
			case []any:
				parent[fr.name] = append(old, v)
			default:
				parent[fr.name] = []any{old, v}
			}
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("cannot decode Windows event XML: %w: truncated", errXML)
	}
	if _, ok := root["Event"].(map[string]any); !ok {
		return nil, fmt.Errorf("cannot decode Windows event XML: %w: no <Event> element", errXML)
	}
	return root, nil
}
