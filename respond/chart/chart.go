// Package chart draws line, bar and pie charts with Apache ECharts, for
// report pages now and the console later.
//
// The script is Apache ECharts 6.1.0, vendored unmodified from its npm
// package (npm pack echarts@6.1.0: dist/echarts.min.js) under the Apache
// License 2.0. Its LICENSE, its NOTICE and the d3 licence the LICENSE names
// are embedded beside it: a page or a file that inlines Script must carry
// Licenses (report pages do, in a comment). Nothing is loaded from the
// network.
//
// An Option is the JSON a page passes to echarts.setOption. Line, Bar and
// Pie build one with defaults fit for print and screenshots: no animation
// (a chart is complete as soon as it is drawn), CJK fonts first, a palette
// that stays apart in greyscale, and sentiment in its usual colours.
// Everything here is pure and safe for concurrent use.
package chart

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// Version is the vendored ECharts release.
const Version = "6.1.0"

// ScriptSHA256 is the SHA-256 of the vendored echarts.min.js, as npm
// delivered it (a test keeps the file honest).
const ScriptSHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"

var (
	//go:embed echarts/echarts.min.js
	script []byte
	//go:embed echarts/LICENSE
	license string
	//go:embed echarts/NOTICE
	notice string
	//go:embed echarts/LICENSE-d3
	licenseD3 string
)

// Script returns echarts.min.js. The slice is shared: callers must not
// modify it.
func Script() []byte { return script }

// Licenses returns the texts that must accompany the script: ECharts'
// NOTICE and LICENSE (Apache-2.0) and the d3 licence (BSD-3-Clause) of the
// parts it embeds.
func Licenses() string {
	return "Apache ECharts " + Version + "\n\n" + notice + "\n\n" + license + "\n\nlicenses/LICENSE-d3:\n" + licenseD3
}

// Option is an ECharts option object, ready for json.Marshal.
type Option map[string]any

// JSON returns the option as JSON. Options built here always encode
// (values that are not finite numbers are drawn as 0); an error means a
// caller put something unencodable in by hand.
func (o Option) JSON() ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("chart: encoding option: %w", err)
	}
	return b, nil
}

// FontFamily is the CSS font stack charts draw text with: the CJK fonts
// Chinese offices and phones have, then the common Linux ones.
const FontFamily = `"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Heiti SC", sans-serif`

// Palette is the default series colours: distinct in colour and in
// lightness, so a greyscale print keeps them apart.
var palette = []string{"#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622", "#bda29a", "#6e7074", "#546570"}

// Sentiment colours, for series named by label.
const (
	Negative = "#c23531"
	Neutral  = "#9e9e9e"
	Positive = "#3a8e5c"
)

// Series is one named line or set of bars.
type Series struct {
	Name   string
	Values []float64
	Color  string // "" picks from the palette
}

// Slice is one part of a pie.
type Slice struct {
	Name  string
	Value float64
	Color string // "" picks from the palette
}

// Line is a line chart over categories (days, hours).
type Line struct {
	Title      string
	Categories []string
	Series     []Series
	Unit       string // y axis name, e.g. 条
	Stack      bool   // stacked areas: the top line is the total
	Smooth     bool
}

// Bar is a bar chart.
type Bar struct {
	Title      string
	Categories []string
	Series     []Series
	Unit       string
	Stack      bool
	Horizontal bool // categories down the side: long labels, rankings
}

// Pie is a pie (or, with Donut, a ring) chart.
type Pie struct {
	Title  string
	Slices []Slice
	Donut  bool
}

func base(title string, legend []string) Option {
	o := Option{
		"animation": false,
		"color":     palette,
		"textStyle": map[string]any{"fontFamily": FontFamily, "fontSize": 13, "color": "#333"},
		"tooltip":   map[string]any{"trigger": "axis"},
	}
	if title != "" {
		o["title"] = map[string]any{"text": title, "left": "center", "top": 4, "textStyle": map[string]any{"fontSize": 15, "fontWeight": "bold", "fontFamily": FontFamily}}
	}
	if len(legend) > 1 {
		top := 4
		if title != "" {
			top = 30
		}
		o["legend"] = map[string]any{"data": legend, "top": top, "type": "scroll", "textStyle": map[string]any{"fontFamily": FontFamily}}
	}
	return o
}

func grid(title string, legend int, horizontal bool) map[string]any {
	top := 24
	if title != "" {
		top += 28
	}
	if legend > 1 {
		top += 26
	}
	g := map[string]any{"top": top, "left": 12, "right": 24, "bottom": 12, "containLabel": true}
	if horizontal {
		g["right"] = 40
	}
	return g
}

func names(ss []Series) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func colorOf(c string, i int) string {
	if c != "" {
		return c
	}
	return palette[i%len(palette)]
}

func valueAxis(unit string) map[string]any {
	return map[string]any{"type": "value", "name": unit, "minInterval": 1, "splitLine": map[string]any{"lineStyle": map[string]any{"color": "#e5e5e5"}}}
}

func categoryAxis(cats []string) map[string]any {
	return map[string]any{"type": "category", "data": nonNil(cats), "axisLabel": map[string]any{"hideOverlap": true}}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// finite returns vs with NaN and ±Inf as 0, never nil.
func finite(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[i] = v
		}
	}
	return out
}

// Option builds the line chart's option.
func (c Line) Option() Option {
	o := base(c.Title, names(c.Series))
	o["grid"] = grid(c.Title, len(c.Series), false)
	x := categoryAxis(c.Categories)
	x["boundaryGap"] = false
	o["xAxis"] = x
	o["yAxis"] = valueAxis(c.Unit)
	series := make([]any, 0, len(c.Series))
	for i, s := range c.Series {
		col := colorOf(s.Color, i)
		m := map[string]any{"name": s.Name, "type": "line", "data": finite(s.Values), "smooth": c.Smooth, "showSymbol": len(c.Categories) <= 31,
			"itemStyle": map[string]any{"color": col}, "lineStyle": map[string]any{"width": 2, "color": col}}
		if c.Stack {
			m["stack"] = "total"
			m["areaStyle"] = map[string]any{"opacity": 0.35}
		}
		series = append(series, m)
	}
	o["series"] = series
	return o
}

// Option builds the bar chart's option.
func (c Bar) Option() Option {
	o := base(c.Title, names(c.Series))
	o["grid"] = grid(c.Title, len(c.Series), c.Horizontal)
	cat, val := categoryAxis(c.Categories), valueAxis(c.Unit)
	if c.Horizontal {
		cat["inverse"] = true // the first category on top, as a ranking reads
		cat["axisLabel"] = map[string]any{"width": 180, "overflow": "truncate"}
		o["xAxis"], o["yAxis"] = val, cat
	} else {
		o["xAxis"], o["yAxis"] = cat, val
	}
	o["tooltip"] = map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}}
	series := make([]any, 0, len(c.Series))
	for i, s := range c.Series {
		m := map[string]any{"name": s.Name, "type": "bar", "data": finite(s.Values), "itemStyle": map[string]any{"color": colorOf(s.Color, i)}, "barMaxWidth": 36}
		if c.Stack {
			m["stack"] = "total"
		} else if len(c.Series) == 1 {
			pos := "top"
			if c.Horizontal {
				pos = "right"
			}
			m["label"] = map[string]any{"show": true, "position": pos}
		}
		series = append(series, m)
	}
	o["series"] = series
	return o
}

// Option builds the pie chart's option.
func (c Pie) Option() Option {
	legend := make([]string, len(c.Slices))
	data := make([]any, len(c.Slices))
	for i, s := range c.Slices {
		legend[i] = s.Name
		data[i] = map[string]any{"name": s.Name, "value": finite([]float64{s.Value})[0], "itemStyle": map[string]any{"color": colorOf(s.Color, i)}}
	}
	o := base(c.Title, nil)
	o["tooltip"] = map[string]any{"trigger": "item", "formatter": "{b}：{c}（{d}%）"}
	radius := any("62%")
	if c.Donut {
		radius = []string{"38%", "62%"}
	}
	center := []string{"50%", "55%"}
	o["series"] = []any{map[string]any{"type": "pie", "radius": radius, "center": center, "data": data,
		"label":     map[string]any{"formatter": "{b} {d}%", "fontFamily": FontFamily},
		"labelLine": map[string]any{"length": 12, "length2": 8}}}
	return o
}
