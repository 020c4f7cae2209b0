// Package sca evaluates security configuration assessment (SCA) policies on
// an endpoint: YAML documents listing checks (SSH settings, password policy,
// file permissions, kernel parameters, services, packages, kernel modules)
// whose rules are evaluated against a root file tree, commands, the package
// inventory and the service manager. The result gives pass, fail,
// not_applicable or error per check, with the evidence that decided it, a
// score and a hash that only changes when an outcome changes.
//
// The package is agent-side: it depends on the standard library and
// gopkg.in/yaml.v3 only. The policy format is documented in docs/sca.md.
package sca
