package sigma

import (
	"encoding/json"

	"gopkg.in/yaml.v3"
)

// yamlToJSON decodes YAML into v through JSON, so that test structs need
// only json tags.
func yamlToJSON(src []byte, v any) error {
	var m any
	if err := yaml.Unmarshal(src, &m); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
