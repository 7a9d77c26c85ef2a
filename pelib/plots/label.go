package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// LabelPNG returns the PNG image img with a banner above it: label in bold
// dark red on pale red, wrapped to the image's width (a smoke run's figures
// carry "not results" in the image itself, so that a saved or copied
// figure keeps it).
func LabelPNG(img []byte, label string) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("plots: LabelPNG: %w", err)
	}
	b := src.Bounds()
	const dpi = 96
	px := func(l vg.Length) int { return int(l.Dots(dpi) + 0.5) }
	w := vg.Length(b.Dx()) * vg.Inch / dpi
	sty := text.Style{Color: color.RGBA{0xaa, 0, 0, 0xff}, Handler: &text.Plain{Fonts: font.DefaultCache}}
	sty.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 700}, 11)
	sty.Font.Size = 11
	wrapped := FitTitle(label, sty, w-vg.Points(8))
	th := sty.Height(wrapped)
	bh := th + vg.Points(8)
	c := vgimg.NewWith(vgimg.UseWH(w, bh), vgimg.UseDPI(dpi))
	dc := vgdraw.New(c)
	c.SetColor(color.RGBA{0xff, 0xee, 0xee, 0xff})
	c.Fill(dc.Rectangle.Path())
	sty.XAlign, sty.YAlign = vgdraw.XLeft, vgdraw.YTop
	dc.FillText(sty, vg.Point{X: vg.Points(4), Y: bh - vg.Points(4)}, wrapped)
	banner := c.Image()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), px(bh)+b.Dy()))
	draw.Draw(out, image.Rect(0, 0, b.Dx(), px(bh)), banner, banner.Bounds().Min, draw.Src)
	draw.Draw(out, image.Rect(0, px(bh), b.Dx(), px(bh)+b.Dy()), src, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("plots: LabelPNG: %w", err)
	}
	return buf.Bytes(), nil
}
