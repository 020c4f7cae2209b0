package notify

// Teams accepts, on a workflow's "When a Teams webhook request is
// received" trigger and on (retiring) incoming webhooks, a message whose
// attachment is an Adaptive Card:
// https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
type teamsPayload struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []teamsElement `json:"body"`
	Actions []teamsAction  `json:"actions,omitempty"`
	MSTeams map[string]any `json:"msteams,omitempty"`
}

// teamsElement is a TextBlock or a FactSet.
type teamsElement struct {
	Type     string      `json:"type"`
	Text     string      `json:"text,omitempty"`
	Size     string      `json:"size,omitempty"`
	Weight   string      `json:"weight,omitempty"`
	Color    string      `json:"color,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	Wrap     bool        `json:"wrap,omitempty"`
	Facts    []teamsFact `json:"facts,omitempty"`
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Adaptive Card content type and the schema version Teams renders.
const (
	adaptiveCardType    = "application/vnd.microsoft.card.adaptive"
	adaptiveCardVersion = "1.4"
)

func teamsColor(severity, action string) string {
	if action == ActionResolve {
		return "Good"
	}
	switch severity {
	case "critical", "high":
		return "Attention"
	case "medium":
		return "Warning"
	}
	return "Default"
}

func renderTeams(m Message) teamsPayload {
	status := severityLabel(m.Severity) + " · " + eventLabel(m.Event)
	switch m.Action {
	case ActionResolve:
		status = "Resolved · " + eventLabel(m.Event)
	case ActionAcknowledge:
		status += " · acknowledged"
	}
	body := []teamsElement{
		{Type: "TextBlock", Text: status, Weight: "Bolder", Color: teamsColor(m.Severity, m.Action), Wrap: true},
		{Type: "TextBlock", Text: truncate(m.Title, 300), Size: "Large", Weight: "Bolder", Wrap: true},
	}
	if m.Summary != "" {
		body = append(body, teamsElement{Type: "TextBlock", Text: truncate(m.Summary, 3000), Wrap: true})
	}
	if len(m.Fields) > 0 {
		fs := teamsElement{Type: "FactSet"}
		for _, f := range m.Fields {
			fs.Facts = append(fs.Facts, teamsFact{Title: f.Key, Value: truncate(f.Value, 1000)})
		}
		body = append(body, fs)
	}
	footer := "EventSec"
	if m.OrgName != "" {
		footer += " · " + m.OrgName
	}
	footer += " · " + m.Time.UTC().Format("2006-01-02 15:04 UTC")
	body = append(body, teamsElement{Type: "TextBlock", Text: footer, IsSubtle: true, Size: "Small", Wrap: true})
	card := teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard",
		Version: adaptiveCardVersion, Body: body, MSTeams: map[string]any{"width": "Full"}}
	if m.Link != "" {
		card.Actions = []teamsAction{{Type: "Action.OpenUrl", Title: "Open in EventSec", URL: m.Link}}
	}
	return teamsPayload{Type: "message", Attachments: []teamsAttachment{{ContentType: adaptiveCardType, Content: card}}}
}
