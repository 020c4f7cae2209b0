// Package attack is a read-only reference table of the MITRE ATT&CK®
// Enterprise matrix, used to turn Sigma rule tags such as attack.execution or
// attack.t1059.001 into tactics and techniques with their names.
//
// # Version
//
// The table reproduces ATT&CK Enterprise v19 (content release of 28 April
// 2026). v19 split the Defense Evasion tactic: TA0005 was renamed in place to
// Stealth (shortname "stealth") and the new tactic TA0112 Defense Impairment
// ("defense-impairment") was added, so the matrix has 15 tactics, 222
// techniques and 475 sub-techniques. Those three counts are the ones MITRE
// published for v19 and are asserted by the tests.
//
// The table was built from MITRE's own data in github.com/mitre/cti: the
// v18.1 STIX objects, the v19.0 release notes (new, renamed and revoked
// techniques), and the v19 STIX objects, as of July 2026, of every technique
// whose tactics the split changed and of the new techniques. Sub-techniques
// carry no tactics of their own in this table; they inherit their parent's,
// which is how ATT&CK assigns them (no v18.1 sub-technique, and none of the
// v19 ones checked, differs from its parent).
//
// # Retired techniques
//
// Techniques that ATT&CK has revoked or deprecated are kept, because detection
// content written against older matrices still names them. They resolve
// through [TechniqueByID] with Status [Revoked] or [Deprecated], no tactics, and
// for revoked ones ReplacedBy set to the active technique that now covers the
// behaviour (for example T1562.001 → T1685, T1086 → T1059.001). They are left
// out of [TechniquesOf], [SubTechniques] and [Techniques].
//
// The pre-v19 tactic shortname "defense-evasion" is accepted as an alias of
// TA0005, the ID MITRE kept for Stealth.
//
// # Licence
//
// © 2025 The MITRE Corporation. This work is reproduced and distributed with
// the permission of The MITRE Corporation. See ATTACK-LICENSE.txt in this
// directory for the ATT&CK licence. ATT&CK® is a registered trademark of The
// MITRE Corporation.
package attack
