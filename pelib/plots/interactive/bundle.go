package interactive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// The plotly.js bundle scripts/setup.sh installs (npm package
// plotly.js-dist-min, its archive checked against a pinned SHA-256): keep
// in step with setup.sh and environment.md.
const (
	PlotlyVersion = "4.1.2"
	// PlotlySHA256 is the SHA-256 of plotly.min.js in the package.
	PlotlySHA256 = "2f645d1bade8182fce161b7f10f89402f8b315805250ff4a94672a28d23c390a"
	// BundleEnv names the environment variable that, when set, is the path
	// of the plotly.min.js to use instead of the installed one (any
	// version; its checksum is not checked).
	BundleEnv = "PELAB_PLOTLY_JS"
)

// BundleRel is where setup.sh installs the bundle, relative to the
// repository root.
var BundleRel = filepath.Join(".tools", "plotly", PlotlyVersion, "plotly.min.js")

// ErrNoBundle is wrapped by the error of a missing plotly.js bundle.
var ErrNoBundle = errors.New("plotly.js bundle not found")

// searchStarts are the folders whose ancestors BundlePath searches for
// BundleRel: GoNB's notebook folder ($GONB_DIR), the working directory,
// and this package's source folder (known when the program was built
// from the checkout, as GoNB and go test do). Tests replace it.
var searchStarts = func() []string {
	var dirs []string
	if d := os.Getenv("GONB_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if d, err := os.Getwd(); err == nil {
		dirs = append(dirs, d)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dirs = append(dirs, filepath.Dir(file))
	}
	return dirs
}

// BundlePath returns the plotly.min.js the views embed: $PELAB_PLOTLY_JS
// when set, else BundleRel under the nearest ancestor of a search start
// ($GONB_DIR, the working directory, this package's source folder) that
// has it. The error names every place looked at and `make setup`.
func BundlePath() (string, error) {
	if p := os.Getenv(BundleEnv); p != "" {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			return "", fmt.Errorf("interactive: %w: $%s=%s is not a file (unset it to use the one `make setup` installs in %s)", ErrNoBundle, BundleEnv, p, BundleRel)
		}
		return p, nil
	}
	var looked []string
	seen := map[string]bool{}
	for _, start := range searchStarts() {
		abs, err := filepath.Abs(start)
		if err != nil {
			continue
		}
		for d := abs; ; d = filepath.Dir(d) {
			if !seen[d] {
				seen[d] = true
				p := filepath.Join(d, BundleRel)
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					return p, nil
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
		looked = append(looked, abs)
	}
	return "", fmt.Errorf("interactive: %w: no %s in %s or any folder above; run `make setup` in the pelab checkout (scripts/setup.sh installs plotly.js %s there with npm), or set $%s to a plotly.min.js",
		ErrNoBundle, BundleRel, strings.Join(looked, ", "), PlotlyVersion, BundleEnv)
}

var bundleCache struct {
	sync.Mutex
	path, js string
}

// bundleJS returns the bundle's source, made safe to inline in a <script>
// element (scriptSafe). The installed bundle must have PlotlySHA256.
func bundleJS() (string, error) {
	p, err := BundlePath()
	if err != nil {
		return "", err
	}
	bundleCache.Lock()
	defer bundleCache.Unlock()
	if bundleCache.path == p {
		return bundleCache.js, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("interactive: %w: %v; run `make setup`", ErrNoBundle, err)
		}
		return "", fmt.Errorf("interactive: %w", err)
	}
	if os.Getenv(BundleEnv) == "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != PlotlySHA256 {
			return "", fmt.Errorf("interactive: %s has SHA-256 %s, not plotly.js %s's %s; delete it and run `make setup`", p, got, PlotlyVersion, PlotlySHA256)
		}
	}
	bundleCache.path, bundleCache.js = p, scriptSafe(string(b))
	return bundleCache.js, nil
}

// scriptSafe rewrites the two sequences that would change how an HTML
// parser reads a <script> element's text — "</script" (it would end the
// element) and "<!--" (it starts the script's escaped state) — into
// "<\/script" and "<\!--", which mean the same inside JavaScript strings,
// template literals and regular expressions, the only places minified
// code has them.
func scriptSafe(js string) string {
	lower := asciiLower(js) // byte for byte, so indices agree with js
	if !strings.Contains(lower, "</script") && !strings.Contains(js, "<!--") {
		return js
	}
	var b strings.Builder
	b.Grow(len(js) + 64)
	for i := 0; i < len(js); {
		switch {
		case strings.HasPrefix(lower[i:], "</script"):
			b.WriteString(`<\/`)
			b.WriteString(js[i+2 : i+8])
			i += 8
		case strings.HasPrefix(js[i:], "<!--"):
			b.WriteString(`<\!--`)
			i += 4
		default:
			b.WriteByte(js[i])
			i++
		}
	}
	return b.String()
}

// asciiLower lowers the ASCII letters of s, leaving every other byte.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
