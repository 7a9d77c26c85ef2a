package notebook

import (
	"fmt"
	"html"
	"regexp"
	"strings"
)

// SmokeLabel heads every live table and figure of a quick-mode run
// ($PELAB_QUICK=1): its sizes exercise every cell in seconds to minutes and
// are too small for the paper's effect, so what it shows is not a result.
const SmokeLabel = "SMOKE RUN (PELAB_QUICK=1) — not results: sizes cut to exercise the code, too small to show the paper's effect"

// Smoke reports whether the session is a smoke run (quick mode): its live
// tables and figures are labelled SmokeLabel and carry no "paper" column.
func (s *Session) Smoke() bool { return s.Quick }

// smokeBanner is SmokeLabel as an HTML block.
func smokeBanner() string {
	return `<div style="border:2px solid #c00;color:#c00;background:#fff4f4;padding:4px 8px;margin:4px 0;font:bold 13px sans-serif">` +
		html.EscapeString(SmokeLabel) + `</div>`
}

// showMarkdown displays md: its text as Markdown and each pipe table as an
// HTML table that fits the cell's width (cells wrap, long metric names
// break after "_", a table still too wide scrolls inside its own box: in
// Jupyter's page a Markdown table wider than the cell was cut at the right
// edge). live marks the output of this run: in a smoke run it is headed by
// SmokeLabel and its tables lose every column whose header starts with
// "paper" (no comparison with the paper is drawn from a smoke run).
func (s *Session) showMarkdown(md string, live bool) {
	smoke := live && s.Smoke()
	if smoke {
		s.Display.HTML(smokeBanner())
	}
	for _, part := range splitTables(md) {
		if !part.table {
			if strings.TrimSpace(part.text) != "" {
				s.Display.Markdown(part.text)
			}
			continue
		}
		rows := part.rows
		if smoke {
			rows = dropColumns(rows, func(h string) bool { return strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "paper") })
		}
		s.Display.HTML(tableHTML(rows, part.align))
	}
}

type mdPart struct {
	text  string
	table bool
	rows  [][]string // header first
	align []string   // "left", "right", "center" or ""
}

var delimCell = regexp.MustCompile(`^\s*:?-{1,}:?\s*$`)

// splitTables cuts md into text and GitHub pipe tables (a header row, a
// delimiter row of dashes, then rows, each starting with "|").
func splitTables(md string) []mdPart {
	lines := strings.Split(md, "\n")
	var parts []mdPart
	var text []string
	flush := func() {
		if len(text) > 0 {
			parts = append(parts, mdPart{text: strings.Join(text, "\n")})
			text = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		if i+1 < len(lines) && isRow(lines[i]) && isDelim(lines[i+1]) {
			flush()
			p := mdPart{table: true, rows: [][]string{splitRow(lines[i])}}
			for _, c := range splitRow(lines[i+1]) {
				c = strings.TrimSpace(c)
				switch {
				case strings.HasPrefix(c, ":") && strings.HasSuffix(c, ":"):
					p.align = append(p.align, "center")
				case strings.HasSuffix(c, ":"):
					p.align = append(p.align, "right")
				case strings.HasPrefix(c, ":"):
					p.align = append(p.align, "left")
				default:
					p.align = append(p.align, "")
				}
			}
			i += 2
			for ; i < len(lines) && isRow(lines[i]); i++ {
				p.rows = append(p.rows, splitRow(lines[i]))
			}
			i--
			parts = append(parts, p)
			continue
		}
		text = append(text, lines[i])
	}
	flush()
	return parts
}

func isRow(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "|") }

func isDelim(l string) bool {
	if !isRow(l) {
		return false
	}
	cells := splitRow(l)
	for _, c := range cells {
		if !delimCell.MatchString(c) {
			return false
		}
	}
	return len(cells) > 0
}

// splitRow splits "| a | b |" into its cells (an escaped \| stays in its cell).
func splitRow(l string) []string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "|")
	if strings.HasSuffix(l, "|") && !strings.HasSuffix(l, `\|`) {
		l = l[:len(l)-1]
	}
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '\\' && i+1 < len(l) && l[i+1] == '|':
			cur.WriteByte('|')
			i++
		case l[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(l[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// dropColumns removes the columns whose header drop selects.
func dropColumns(rows [][]string, drop func(string) bool) [][]string {
	if len(rows) == 0 {
		return rows
	}
	keep := make([]bool, len(rows[0]))
	for j, h := range rows[0] {
		keep[j] = !drop(h)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for j, c := range r {
			if j >= len(keep) || keep[j] {
				out[i] = append(out[i], c)
			}
		}
	}
	return out
}

var (
	mdCode = regexp.MustCompile("`([^`]+)`")
	mdBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdEm   = regexp.MustCompile(`\*([^*]+)\*`)
)

// inline renders a cell's Markdown (code spans, bold, emphasis) as HTML.
func inline(c string) string {
	h := html.EscapeString(c)
	h = mdCode.ReplaceAllString(h, "<code>$1</code>")
	h = mdBold.ReplaceAllString(h, "<b>$1</b>")
	return mdEm.ReplaceAllString(h, "<i>$1</i>")
}

// tableHTML is rows (header first) as an HTML table that fits its cell:
// wrapping cells, headers breakable after "_" and "/", in a box that
// scrolls sideways only when even that is too wide.
func tableHTML(rows [][]string, align []string) string {
	var b strings.Builder
	b.WriteString(`<div style="max-width:100%;overflow-x:auto"><table style="table-layout:auto;border-collapse:collapse;font-size:12px;margin:4px 0">`)
	for i, r := range rows {
		b.WriteString("<tr>")
		tag := "td"
		if i == 0 {
			tag = "th"
		}
		for j, c := range r {
			a := "left"
			if j < len(align) && align[j] != "" {
				a = align[j]
			}
			cell := inline(c)
			if i == 0 {
				cell = strings.NewReplacer("_", "_<wbr>", "/", "/<wbr>").Replace(cell)
			}
			fmt.Fprintf(&b, `<%s style="text-align:%s;white-space:normal;padding:2px 6px;border-bottom:1px solid #ddd;max-width:14em">%s</%s>`, tag, a, cell, tag)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table></div>")
	return b.String()
}
