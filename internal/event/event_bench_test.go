package event

import (
	"testing"
	"time"
)

var benchRaw = `<38>Nov 15 23:59:58 web-02 sshd[30804]: Failed password for oconnor from 62.229.246.194 port 40805 ssh2`

func BenchmarkDeriveID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = DeriveID("default", "syslog", benchRaw)
	}
}

func BenchmarkDeriveIDAt(b *testing.B) {
	at := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = DeriveIDAt("default", "syslog", benchRaw, at)
	}
}

func BenchmarkNested(b *testing.B) {
	f := Fields{
		"event.kind": "event", "event.category": []string{"authentication"}, "event.type": []string{"start"},
		"event.action": "ssh_login", "event.outcome": "failure", "event.severity": int64(21),
		"event.dataset": "system.auth", "event.module": "system", "host.name": "web-02",
		"log.level": "info", "log.syslog.facility.code": int64(4), "log.syslog.severity.code": int64(6),
		"message":      "Failed password for oconnor from 62.229.246.194 port 40805 ssh2",
		"process.name": "sshd", "process.pid": int64(30804), "source.ip": "62.229.246.194",
		"source.port": int64(40805), "user.name": "oconnor", "source.geo.country_iso_code": "NL",
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = f.Nested()
	}
}
