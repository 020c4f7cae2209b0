package app

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// remoteFlags are the flags of the commands that can talk to a running
// server instead of the data directory: --url and --api-key, and how to
// trust a server whose certificate no system authority signed (a
// private CA, or a self-signed certificate): --ca-file, or, to test,
// --insecure-skip-verify.
type remoteFlags struct {
	url, apiKey, caFile string
	insecure            bool
}

// register adds the flags; what says what --url does, keyHelp (when
// not "") what --api-key must be.
func (r *remoteFlags) register(fs *flag.FlagSet, what, keyHelp string) {
	if keyHelp == "" {
		keyHelp = "API key for --url (or EVENTSEC_API_KEY)"
	}
	fs.StringVar(&r.url, "url", "", what+" (e.g. http://localhost:8080)")
	fs.StringVar(&r.apiKey, "api-key", "", keyHelp)
	fs.StringVar(&r.caFile, "ca-file", "", "with an https --url: PEM file of the CA certificates (or the self-signed certificate) to trust besides the system's (SSL_CERT_FILE replaces the system's)")
	fs.BoolVar(&r.insecure, "insecure-skip-verify", false, "with an https --url: do not verify the server's certificate (for tests: anyone between can read the API key)")
}

// endpoint checks the flags and returns the server's base URL, the key
// and the client to reach it with (see client); base is "" (and client
// nil) when --url is not set.
func (r *remoteFlags) endpoint(env Env) (base, key string, client *http.Client, err error) {
	if r.url == "" {
		switch {
		case r.caFile != "":
			return "", "", nil, usageError{"--ca-file is for --url"}
		case r.insecure:
			return "", "", nil, usageError{"--insecure-skip-verify is for --url"}
		}
		return "", "", nil, nil
	}
	u, err := url.Parse(strings.TrimRight(r.url, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", nil, usageError{fmt.Sprintf("--url %q is not an http(s) URL", r.url)}
	}
	if key, err = cliAPIKey(env, r.apiKey); err != nil {
		return "", "", nil, err
	}
	if client, err = r.client(env); err != nil {
		return "", "", nil, err
	}
	return u.String(), key, client, nil
}

// client returns the HTTP client for --url: one that trusts --ca-file's
// certificates besides the system's, or (warning on stderr) any
// certificate with --insecure-skip-verify. It has no overall timeout:
// an upload of a large file takes as long as it takes.
func (r *remoteFlags) client(env Env) (*http.Client, error) {
	if r.caFile == "" && !r.insecure {
		return &http.Client{}, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.caFile != "" {
		pem, err := os.ReadFile(r.caFile)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--ca-file: %v", err)}
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageError{fmt.Sprintf("--ca-file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", r.caFile)}
		}
		cfg.RootCAs = pool
	}
	if r.insecure {
		cfg.InsecureSkipVerify = true
		fmt.Fprintf(env.Stderr, "warning: --insecure-skip-verify: the certificate of %s is not verified; anyone in between can read the API key and the data\n", r.url)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg
	return &http.Client{Transport: t}, nil
}

// cliAPIKey is the API key a command sends with --url: --api-key, or else
// EVENTSEC_API_KEY.
func cliAPIKey(env Env, key string) (string, error) {
	if key == "" {
		key = env.Getenv("EVENTSEC_API_KEY")
	}
	if key == "" {
		return "", usageError{"--url needs --api-key or EVENTSEC_API_KEY"}
	}
	return key, nil
}
