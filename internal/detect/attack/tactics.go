package attack

// tacticTable lists the ATT&CK Enterprise v19 tactics in matrix order (the
// order of the enterprise-attack x-mitre-matrix object's tactic_refs).
var tacticTable = []Tactic{
	{ID: "TA0043", Shortname: "reconnaissance", Name: "Reconnaissance", Order: 1},
	{ID: "TA0042", Shortname: "resource-development", Name: "Resource Development", Order: 2},
	{ID: "TA0001", Shortname: "initial-access", Name: "Initial Access", Order: 3},
	{ID: "TA0002", Shortname: "execution", Name: "Execution", Order: 4},
	{ID: "TA0003", Shortname: "persistence", Name: "Persistence", Order: 5},
	{ID: "TA0004", Shortname: "privilege-escalation", Name: "Privilege Escalation", Order: 6},
	{ID: "TA0005", Shortname: "stealth", Name: "Stealth", Order: 7},
	{ID: "TA0112", Shortname: "defense-impairment", Name: "Defense Impairment", Order: 8},
	{ID: "TA0006", Shortname: "credential-access", Name: "Credential Access", Order: 9},
	{ID: "TA0007", Shortname: "discovery", Name: "Discovery", Order: 10},
	{ID: "TA0008", Shortname: "lateral-movement", Name: "Lateral Movement", Order: 11},
	{ID: "TA0009", Shortname: "collection", Name: "Collection", Order: 12},
	{ID: "TA0011", Shortname: "command-and-control", Name: "Command and Control", Order: 13},
	{ID: "TA0010", Shortname: "exfiltration", Name: "Exfiltration", Order: 14},
	{ID: "TA0040", Shortname: "impact", Name: "Impact", Order: 15},
}

// legacyShortnames maps tactic shortnames that earlier ATT&CK versions used
// to the tactic ID that carries them today. v19 renamed TA0005 "Defense
// Evasion" to "Stealth" in place (and moved part of it to the new TA0112), so
// pre-v19 content tagged attack.defense-evasion meant TA0005.
var legacyShortnames = map[string]string{
	"defense-evasion": "TA0005",
}
