package kql

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxXMLBytes bounds the text parse_xml reads.
const maxXMLBytes = 4 << 20

// parseXML is parse_xml(text): the XML document as a dynamic value, as
// Kusto converts it: the root element becomes {"name": value}; an
// element with only text is its text; otherwise a bag with its
// attributes as "@name", its text as "#text" and its child elements by
// name, repeated elements forming an array; an empty element is null.
// Text that is not well-formed XML gives null.
func parseXML(args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok || len(s) > maxXMLBytes {
		return nil, nil
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var root map[string]any
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil {
				return nil, nil // a second root element
			}
			v, err := xmlElement(dec, t, 0)
			if err != nil {
				return nil, nil
			}
			root = map[string]any{xmlName(t.Name): v}
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, nil
			}
		}
	}
	if root == nil {
		return nil, nil
	}
	return root, nil
}

// xmlName is an element's name without its namespace prefix (Kusto
// keeps "ns:tag"; the decoder resolves prefixes to URLs, so the local name
// is what is left). Windows event XML, what Sentinel's queries parse, has
// none.
func xmlName(n xml.Name) string {
	return n.Local
}

// maxXMLDepth bounds element nesting.
const maxXMLDepth = 200

var errXMLDepth = errors.New("XML nested too deeply")

func xmlElement(dec *xml.Decoder, start xml.StartElement, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, errXMLDepth
	}
	bag := map[string]any{}
	var order []string
	for _, a := range start.Attr {
		bag["@"+attrName(a.Name)] = a.Value
	}
	var text strings.Builder
	children := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := xmlElement(dec, t, depth+1)
			if err != nil {
				return nil, err
			}
			name := xmlName(t.Name)
			children++
			if prev, ok := bag[name]; ok {
				if arr, isArr := prev.([]any); isArr && contains(order, name) {
					bag[name] = append(arr, v)
				} else {
					bag[name] = []any{prev, v}
					order = append(order, name)
				}
			} else {
				bag[name] = v
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			txt := text.String()
			if children > 0 || len(start.Attr) > 0 {
				if strings.TrimSpace(txt) != "" {
					bag["#text"] = strings.TrimSpace(txt)
				}
				return bag, nil
			}
			if strings.TrimSpace(txt) == "" {
				return nil, nil
			}
			return txt, nil
		}
	}
}

func attrName(n xml.Name) string {
	if n.Space == "xmlns" {
		return "xmlns:" + n.Local
	}
	return n.Local
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
