package api

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// serveUI serves the embedded web app: files as they are, and index.html
// for any other path so that the app's own router handles it.
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeError(w, r, &HTTPError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Msg: r.Method + " is not allowed here"})
		return
	}
	if s.o.UI == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("This eventsec binary was built without the web UI (build tag noui). Build it with `make build`; the API is at /api/v1 and documented at /api/docs.\n"))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	f, err := s.o.UI.Open(name)
	if err == nil {
		st, statErr := f.Stat()
		f.Close()
		if statErr == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") {
				// Vite fingerprints asset names: they never change.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			http.ServeFileFS(w, r, s.o.UI, name)
			return
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.writeError(w, r, err)
		return
	}
	// Missing files with an extension are real 404s, not app routes.
	if path.Ext(name) != "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, s.o.UI, "index.html")
}
