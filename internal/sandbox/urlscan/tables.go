package urlscan

// confusables maps look-alike characters to the Latin letters they imitate.
// It is a hand-picked subset of the Unicode confusables data
// (UTS #39, confusables.txt) covering the Cyrillic, Greek and Latin
// extension letters that phishing domains use, plus the digit swaps
// ("paypa1", "g00gle") that need no Unicode at all.
var confusables = map[rune]string{
	// Cyrillic lower case
	'а': "a", 'в': "b", 'е': "e", 'ё': "e", 'о': "o", 'р': "p", 'с': "c", 'у': "y", 'х': "x", 'і': "i", 'ї': "i",
	'ј': "j", 'ѕ': "s", 'ԁ': "d", 'һ': "h", 'ԛ': "q", 'ԝ': "w", 'ӏ': "l", 'к': "k", 'м': "m", 'н': "h", 'т': "t",
	'п': "n", 'г': "r", 'ь': "b", 'ү': "y", 'ɡ': "g", 'ԍ': "g", 'ӧ': "o", 'ӓ': "a", 'ҽ': "e", 'ԃ': "d",
	// Cyrillic upper case
	'А': "a", 'В': "b", 'Е': "e", 'К': "k", 'М': "m", 'Н': "h", 'О': "o", 'Р': "p", 'С': "c", 'Т': "t", 'Х': "x",
	'І': "i", 'Ј': "j", 'Ѕ': "s", 'Ү': "y", 'Ԝ': "w", 'Ԛ': "q",
	// Greek
	'α': "a", 'β': "b", 'γ': "y", 'ε': "e", 'η': "n", 'ι': "i", 'κ': "k", 'ν': "v", 'ο': "o", 'ρ': "p", 'τ': "t",
	'υ': "u", 'χ': "x", 'ω': "w", 'ϲ': "c", 'ϳ': "j", 'Α': "a", 'Β': "b", 'Ε': "e", 'Ζ': "z", 'Η': "h", 'Ι': "i",
	'Κ': "k", 'Μ': "m", 'Ν': "n", 'Ο': "o", 'Ρ': "p", 'Τ': "t", 'Υ': "y", 'Χ': "x",
	// Latin extensions and IPA
	'ı': "i", 'ɩ': "i", 'ǀ': "l", 'ł': "l", 'ƚ': "l", 'ɑ': "a", 'ɒ': "a", 'ɓ': "b", 'ƈ': "c", 'ɗ': "d", 'ɛ': "e",
	'ƒ': "f", 'ɦ': "h", 'ĸ': "k", 'ɱ': "m", 'ɲ': "n", 'ŋ': "n", 'ø': "o", 'ɵ': "o", 'ƥ': "p", 'ʠ': "q", 'ʀ': "r",
	'ʂ': "s", 'ƭ': "t", 'ʋ': "v", 'ⱳ': "w", 'ʏ': "y", 'ƶ': "z", 'ß': "b", 'þ': "p", 'æ': "ae", 'œ': "oe",
	// Full-width and digit look-alikes
	'０': "o", '１': "l", '0': "o", '1': "l", '3': "e", '5': "s", '$': "s", '@': "a", '|': "l", '!': "i",
}

// multiConfusables are sequences that render like one letter in most fonts.
var multiConfusables = [][2]string{{"rn", "m"}, {"vv", "w"}, {"cl", "d"}, {"ii", "u"}}

// suspiciousTLDs are top-level domains that abuse reports (Spamhaus, Interisle
// phishing-landscape studies) rank as heavily abused, cheap or free, or that
// look like file names. Kept short on purpose: a TLD alone is a weak signal.
var suspiciousTLDs = map[string]bool{
	"zip": true, "mov": true, "xyz": true, "top": true, "tk": true, "ml": true, "ga": true, "cf": true, "gq": true,
	"work": true, "click": true, "link": true, "country": true, "kim": true, "loan": true, "men": true, "date": true,
	"racing": true, "review": true, "stream": true, "download": true, "win": true, "bid": true, "trade": true,
	"party": true, "science": true, "cricket": true, "accountant": true, "faith": true, "gdn": true, "icu": true,
	"rest": true, "cyou": true, "buzz": true, "monster": true, "sbs": true, "cfd": true, "quest": true, "lol": true,
	"surf": true, "bar": true, "mom": true, "beauty": true, "hair": true, "boats": true, "autos": true, "support": true,
}

// shorteners are URL shortening services; a short link hides where it goes.
var shorteners = map[string]bool{
	"bit.ly": true, "bitly.com": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true, "is.gd": true,
	"buff.ly": true, "rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "tiny.cc": true, "rb.gy": true,
	"t.ly": true, "bl.ink": true, "s.id": true, "v.gd": true, "lnkd.in": true, "qrco.de": true, "shorte.st": true,
	"adf.ly": true, "clck.ru": true, "soo.gd": true, "x.co": true, "tr.im": true, "cli.gs": true, "u.to": true,
	"short.io": true, "t2m.io": true, "urlz.fr": true, "2no.co": true, "iplogger.org": true, "grabify.link": true,
}

// pathKeywords are words phishing pages put in paths and queries.
var pathKeywords = []string{
	"login", "logon", "signin", "sign-in", "verify", "verification", "account", "update", "secure", "security",
	"banking", "wallet", "password", "passwd", "confirm", "suspend", "unlock", "invoice", "payment", "webscr",
	"billing", "recover", "recovery", "credential", "authenticate", "seed-phrase", "seedphrase", "metamask",
	"office365", "outlook", "microsoftonline", "sharepoint", "docusign", "validate", "reactivate", "kyc",
}

// downloadExtensions in a URL path point straight at a payload.
var downloadExtensions = map[string]bool{
	".exe": true, ".scr": true, ".msi": true, ".dll": true, ".bat": true, ".cmd": true, ".ps1": true, ".vbs": true,
	".vbe": true, ".js": false, ".jse": true, ".hta": true, ".iso": true, ".img": true, ".lnk": true, ".apk": true,
	".jar": true, ".wsf": true, ".cpl": true, ".com": false, ".pif": true, ".xll": true, ".one": true, ".vhd": true,
	".vhdx": true, ".docm": true, ".xlsm": true, ".zip": true, ".rar": true, ".7z": true, ".sh": true, ".elf": true,
	".bin": true,
}

// englishBigrams are approximate relative frequencies (percent) of the most
// common letter pairs in English text, from published corpus counts. They
// feed the DGA score: human-chosen names are made of common pairs,
// algorithm-generated ones are not.
var englishBigrams = map[string]float64{
	"th": 3.56, "he": 3.07, "in": 2.43, "er": 2.05, "an": 1.99, "re": 1.85, "on": 1.76, "at": 1.49, "en": 1.45,
	"nd": 1.35, "ti": 1.34, "es": 1.34, "or": 1.28, "te": 1.20, "of": 1.17, "ed": 1.17, "is": 1.13, "it": 1.12,
	"al": 1.09, "ar": 1.07, "st": 1.05, "to": 1.04, "nt": 1.04, "ng": 0.95, "se": 0.93, "ha": 0.93, "as": 0.87,
	"ou": 0.87, "io": 0.83, "le": 0.83, "ve": 0.83, "co": 0.79, "me": 0.79, "de": 0.76, "hi": 0.76, "ri": 0.73,
	"ro": 0.73, "ic": 0.70, "ne": 0.69, "ea": 0.69, "ra": 0.69, "ce": 0.65, "li": 0.62, "ch": 0.60, "ll": 0.58,
	"be": 0.58, "ma": 0.57, "si": 0.55, "om": 0.55, "ur": 0.54, "ca": 0.54, "el": 0.53, "ta": 0.53, "la": 0.52,
	"ns": 0.51, "di": 0.50, "fo": 0.50, "ho": 0.50, "pe": 0.49, "ec": 0.49, "pr": 0.49, "no": 0.49, "ct": 0.48,
	"us": 0.48, "ac": 0.47, "ot": 0.46, "il": 0.43, "tr": 0.43, "ly": 0.43, "nc": 0.42, "et": 0.42, "ut": 0.42,
	"ss": 0.41, "so": 0.40, "rs": 0.40, "un": 0.39, "lo": 0.39, "wa": 0.38, "ge": 0.38, "ie": 0.38, "wh": 0.38,
	"ee": 0.38, "wi": 0.37, "em": 0.37, "ad": 0.37, "ol": 0.36, "rt": 0.36, "po": 0.36, "we": 0.36, "na": 0.35,
	"ul": 0.35, "ni": 0.34, "ts": 0.34, "mo": 0.34, "ow": 0.34, "pa": 0.32, "im": 0.32, "mi": 0.32, "ai": 0.32,
	"sh": 0.32, "ir": 0.31, "su": 0.31, "id": 0.31, "os": 0.31, "iv": 0.30, "ia": 0.30, "am": 0.30, "fi": 0.30,
	"ci": 0.29, "vi": 0.29, "pl": 0.28, "ig": 0.27, "tu": 0.27, "ev": 0.27, "ld": 0.26, "ry": 0.26, "mp": 0.26,
	"fe": 0.26, "bl": 0.26, "ab": 0.25, "gh": 0.25, "ty": 0.25, "op": 0.25, "wo": 0.25, "sa": 0.25, "ay": 0.25,
	"ex": 0.24, "ke": 0.24, "fr": 0.24, "oo": 0.24, "av": 0.23, "ag": 0.23, "if": 0.23, "ap": 0.23, "gr": 0.23,
	"od": 0.23, "bo": 0.23, "sp": 0.23, "rd": 0.23, "do": 0.22, "uc": 0.22, "bu": 0.22, "ei": 0.22, "ov": 0.22,
	"by": 0.22, "rm": 0.22, "ep": 0.22, "tt": 0.22, "oc": 0.21, "fa": 0.21, "ef": 0.21, "cu": 0.21, "rn": 0.21,
	"sc": 0.20, "gi": 0.20, "da": 0.20, "yo": 0.20, "cr": 0.20, "cl": 0.20, "du": 0.19, "ga": 0.19, "qu": 0.19,
	"ue": 0.19, "ff": 0.19, "ba": 0.19, "ey": 0.19, "ls": 0.18, "va": 0.18, "um": 0.18, "pp": 0.18, "ua": 0.18,
	"up": 0.18, "lu": 0.18, "go": 0.17, "ht": 0.17, "ru": 0.17, "ug": 0.17, "ds": 0.17, "lt": 0.17, "pi": 0.17,
	"rc": 0.16, "rr": 0.16, "eg": 0.16, "au": 0.16, "ck": 0.16, "ew": 0.16, "mu": 0.15, "br": 0.15, "bi": 0.15,
	"pt": 0.15, "ak": 0.15, "pu": 0.15, "ui": 0.15, "rg": 0.15, "ib": 0.14, "tl": 0.14, "ny": 0.14, "ki": 0.14,
	"rk": 0.14, "ys": 0.14, "ob": 0.14, "mm": 0.14, "fu": 0.14, "ph": 0.14, "og": 0.14, "ms": 0.14, "ye": 0.14,
	"ud": 0.13, "mb": 0.13, "ip": 0.13, "ub": 0.13, "oi": 0.13, "rl": 0.13, "gu": 0.13, "dr": 0.13, "hr": 0.13,
	"cc": 0.13, "tw": 0.13, "ft": 0.13, "wn": 0.13, "nu": 0.12, "af": 0.12, "hu": 0.12, "nn": 0.12, "eo": 0.12,
	"vo": 0.12, "rv": 0.12, "nf": 0.11, "xp": 0.11, "gn": 0.11, "sm": 0.11, "fl": 0.11, "iz": 0.11, "ok": 0.11,
	"nl": 0.11, "my": 0.11, "gl": 0.11, "aw": 0.11, "ju": 0.11, "oa": 0.11, "eq": 0.11, "sy": 0.10, "sl": 0.10,
	"ps": 0.10, "jo": 0.10, "lf": 0.10, "nv": 0.10, "je": 0.10, "nk": 0.10, "kn": 0.10, "gs": 0.10, "dy": 0.10,
	"hy": 0.10, "ze": 0.10, "ks": 0.10, "xt": 0.10, "bs": 0.10, "ik": 0.09, "dd": 0.09, "cy": 0.09, "rp": 0.09,
	"sk": 0.09, "xi": 0.09, "oe": 0.09, "oy": 0.09, "ws": 0.09, "lv": 0.09, "dl": 0.08, "rf": 0.08, "eu": 0.08,
	"dg": 0.08, "wr": 0.08, "xa": 0.08, "yi": 0.08, "nm": 0.08, "eb": 0.08, "rb": 0.08, "tm": 0.08, "xc": 0.07,
	"eh": 0.07, "tc": 0.07, "gy": 0.07, "ja": 0.07, "hn": 0.07, "yp": 0.07, "za": 0.07, "gg": 0.06, "ym": 0.06,
	"sw": 0.06, "bj": 0.06, "lm": 0.06, "cs": 0.06, "ii": 0.06, "ix": 0.06, "xe": 0.06, "oh": 0.06, "lk": 0.06,
	"dv": 0.05, "lp": 0.05, "ax": 0.05, "ox": 0.05, "uf": 0.05, "dm": 0.05, "iu": 0.05, "sf": 0.05, "bt": 0.05,
	"ka": 0.05, "yt": 0.05, "ek": 0.05, "pm": 0.05, "ya": 0.05, "gt": 0.05, "wl": 0.04, "rh": 0.04, "yl": 0.04,
	"hs": 0.04, "ah": 0.04, "yc": 0.04, "yn": 0.04, "rw": 0.04, "hm": 0.04, "lw": 0.04, "hl": 0.04, "ae": 0.04,
	"zi": 0.04, "az": 0.04, "lc": 0.04, "py": 0.04, "aj": 0.04, "iq": 0.04, "nj": 0.04, "bb": 0.04, "nh": 0.04,
	"uo": 0.03, "kl": 0.03, "lr": 0.03, "tn": 0.03, "gm": 0.03, "sn": 0.03, "nr": 0.03, "fy": 0.03, "mn": 0.03,
	"dw": 0.03, "sb": 0.03, "yr": 0.03, "dn": 0.03, "sq": 0.03, "zo": 0.03, "oj": 0.03, "yd": 0.03, "lb": 0.03,
	"wt": 0.03, "lg": 0.03, "ko": 0.03, "np": 0.03, "sr": 0.03, "nq": 0.03, "ky": 0.03, "ln": 0.02, "nw": 0.02,
	"tf": 0.02, "fs": 0.02, "cq": 0.02, "dh": 0.02, "sd": 0.02, "vy": 0.02, "dj": 0.02, "hw": 0.02, "xu": 0.02,
	"ao": 0.02, "ml": 0.02, "uk": 0.02, "uy": 0.02, "ej": 0.02, "ez": 0.02, "hb": 0.02, "nz": 0.02, "nb": 0.02,
	"mc": 0.02, "yb": 0.02, "tp": 0.02, "xh": 0.02, "ux": 0.02, "tz": 0.02, "bv": 0.02, "mf": 0.02, "wd": 0.02,
	"oz": 0.02, "yw": 0.02, "kh": 0.02, "gd": 0.02, "bm": 0.02, "mr": 0.02, "ku": 0.02, "uv": 0.02, "dt": 0.02,
	"hd": 0.02, "aa": 0.02, "xx": 0.02, "df": 0.02, "db": 0.02, "ji": 0.02, "kr": 0.02, "xo": 0.02, "cm": 0.02,
	"zz": 0.02, "nx": 0.02, "yg": 0.02, "xy": 0.02, "kg": 0.02, "tb": 0.02, "dc": 0.02, "bd": 0.02, "sg": 0.02,
	"wy": 0.02, "zy": 0.02, "aq": 0.02, "hf": 0.02, "cd": 0.02, "vu": 0.02, "kw": 0.02, "zu": 0.02, "bn": 0.02,
	"ih": 0.02, "tg": 0.02, "xv": 0.01, "uz": 0.01, "bc": 0.01, "xf": 0.01, "yz": 0.01, "km": 0.01, "dp": 0.01,
	"lh": 0.01, "wf": 0.01, "kf": 0.01, "pf": 0.01, "cf": 0.01, "mt": 0.01, "yu": 0.01, "cp": 0.01, "pb": 0.01,
	"td": 0.01, "zl": 0.01, "sv": 0.01, "hc": 0.01, "mg": 0.01, "pw": 0.01, "gf": 0.01, "pd": 0.01, "pn": 0.01,
	"pc": 0.01, "rx": 0.01, "tv": 0.01, "ij": 0.01, "wm": 0.01, "uh": 0.01, "wk": 0.01, "wb": 0.01, "bh": 0.01,
}
