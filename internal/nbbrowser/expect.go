package nbbrowser

import (
	"regexp"
	"strings"
)

// imageCall matches a call that displays an image in a GoNB notebook:
// gonbui's PNG, SVG and image.Image displays, GoNB's Plotly figures, the
// figures of a pelib/notebook session (nb.Show, nb.ShowPNG: the notebooks
// name their session nb) and pelab's interactive views
// (interactive.Show, a Figure's Display).
var imageCall = regexp.MustCompile(`\bgonbui\.Display(PNG|Png|SVG|Svg|Image)\s*\(|\bplotly\.DisplayFig\w*\s*\(|\bnb\.Show(PNG)?\s*\(|\binteractive\.Show\s*\(|\.Display\(\)`)

// funcDecl matches the first line of a top-level function or method
// declaration; group 1 is the name.
var funcDecl = regexp.MustCompile(`(?m)^func\s+(?:\([^)]*\)\s*)?(\w+)\s*[\[(]`)

// ExpectImages says, for the code cells' texts of one notebook, which cells
// should show at least one image: those whose executed part (after GoNB's
// `%%` line, or the body of `func main`) calls an image display, directly or
// through functions the notebook declares (to any depth: a `show` that calls
// gonbui.DisplayPNG, a `plotAll` that calls `show`). A cell that only
// declares such a function is not expected to show anything.
func ExpectImages(cells []string) []bool {
	// Bodies of the notebook's declared functions, by name.
	bodies := map[string]string{}
	for _, c := range cells {
		decls, _ := splitMain(c)
		for name, body := range funcBodies(decls) {
			bodies[name] += body + "\n"
		}
	}
	// Which functions display an image, to a fixed point.
	shows := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, body := range bodies {
			if !shows[name] && callsImage(body, shows) {
				shows[name], changed = true, true
			}
		}
	}
	expect := make([]bool, len(cells))
	for i, c := range cells {
		decls, main := splitMain(c)
		if main == "" {
			main = funcBodies(decls)["main"]
		}
		expect[i] = callsImage(main, shows)
	}
	return expect
}

// callsImage reports whether code calls an image display or one of the
// functions in shows.
func callsImage(code string, shows map[string]bool) bool {
	if imageCall.MatchString(code) {
		return true
	}
	for name, ok := range shows {
		if ok && name != "main" && regexp.MustCompile(`(^|[^\w.])`+regexp.QuoteMeta(name)+`\s*\(|\.`+regexp.QuoteMeta(name)+`\s*\(`).MatchString(code) {
			return true
		}
	}
	return false
}

// splitMain splits a cell at GoNB's `%%` line (the start of its main
// function): declarations before, statements after ("" without one).
func splitMain(cell string) (decls, main string) {
	lines := strings.Split(cell, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "%%") {
			return strings.Join(lines[:i], "\n"), strings.Join(lines[i+1:], "\n")
		}
	}
	return cell, ""
}

// funcBodies returns the text of each top-level function declared in code,
// from its `func` line to the next line that is a lone "}" (gofmt's layout).
func funcBodies(code string) map[string]string {
	out := map[string]string{}
	locs := funcDecl.FindAllStringSubmatchIndex(code, -1)
	for _, loc := range locs {
		name := code[loc[2]:loc[3]]
		rest := code[loc[0]:]
		end := len(rest)
		if i := strings.Index(rest, "\n}"); i >= 0 {
			end = i + 2
		}
		out[name] += rest[:end]
	}
	return out
}
