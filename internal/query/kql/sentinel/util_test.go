package sentinel

import "encoding/json"

func jsonRows(rows [][]any) string {
	b, _ := json.Marshal(rows)
	return string(b)
}
