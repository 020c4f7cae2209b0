package notify

import (
	"strconv"
	"strings"
)

// Slack incoming-webhook payload (https://api.slack.com/messaging/webhooks):
// "text" is the notification and fallback, "blocks" the Block Kit layout.
type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []any       `json:"elements,omitempty"` // slackButton or slackText
}

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackButton struct {
	Type  string    `json:"type"`
	Text  slackText `json:"text"`
	URL   string    `json:"url"`
	Style string    `json:"style,omitempty"`
}

// Block Kit limits.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackMaxFields  = 10
)

// slackEscape escapes the three characters mrkdwn treats as control
// sequences, so alert text cannot ping @channel or forge links.
func slackEscape(s string) string { return slackEscaper.Replace(s) }

// slackEscaper is immutable and safe for concurrent use.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func severityEmoji(s string) string {
	switch s {
	case "critical":
		return ":red_circle:"
	case "high":
		return ":large_orange_circle:"
	case "medium":
		return ":large_yellow_circle:"
	case "low":
		return ":large_blue_circle:"
	}
	return ":white_circle:"
}

func renderSlack(m Message) slackPayload {
	label := "[" + strings.ToUpper(severityLabel(m.Severity)) + "] "
	if m.Action == ActionResolve {
		label = "[RESOLVED] "
	}
	p := slackPayload{Text: truncate(slackEscape(label+m.Title), slackSectionMax)}
	p.Blocks = append(p.Blocks, slackBlock{Type: "header",
		Text: &slackText{Type: "plain_text", Text: truncate(m.Title, slackHeaderMax), Emoji: true}})
	head := severityEmoji(m.Severity) + " *" + severityLabel(m.Severity) + "* · " + eventLabel(m.Event)
	switch m.Action {
	case ActionResolve:
		head = ":white_check_mark: *Resolved* · " + eventLabel(m.Event)
	case ActionAcknowledge:
		head += " · acknowledged"
	}
	p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: head}})
	if m.Summary != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section",
			Text: &slackText{Type: "mrkdwn", Text: truncate(slackEscape(m.Summary), slackSectionMax)}})
	}
	if len(m.Fields) > 0 {
		b := slackBlock{Type: "section"}
		for i, f := range m.Fields {
			if i == slackMaxFields {
				break
			}
			b.Fields = append(b.Fields, slackText{Type: "mrkdwn",
				Text: truncate("*"+slackEscape(f.Key)+"*\n"+slackEscape(f.Value), slackFieldMax)})
		}
		p.Blocks = append(p.Blocks, b)
	}
	if m.Link != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "actions", Elements: []any{slackButton{Type: "button",
			Text: slackText{Type: "plain_text", Text: "Open in EventSec"}, URL: m.Link, Style: "primary"}}})
	}
	footer := "EventSec"
	if m.OrgName != "" {
		footer += " · " + slackEscape(m.OrgName)
	}
	// Slack shows the date in each reader's time zone; the text after "|"
	// is the fallback.
	footer += " · <!date^" + strconv.FormatInt(m.Time.Unix(), 10) + "^{date_short_pretty} {time}|" +
		m.Time.UTC().Format("2006-01-02 15:04 UTC") + ">"
	p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []any{slackText{Type: "mrkdwn", Text: footer}}})
	return p
}
