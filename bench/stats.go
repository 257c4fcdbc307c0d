package main

import (
	"fmt"
	"math"
	"slices"
)

func sorted(s []float64) []float64 {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// median of s, NaN when empty.
func median(s []float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := sorted(s)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

// percentile p (0-100) of s by nearest rank, NaN when empty.
func percentile(s []float64, p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := sorted(s)
	k := int(math.Ceil(p/100*float64(len(c)))) - 1
	return c[max(0, min(k, len(c)-1))]
}

func minMax(s []float64) (lo, hi float64) {
	if len(s) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(s), slices.Max(s)
}

// num formats v with about three significant digits; "—" for NaN.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// spread is "median [min–max]".
func spread(s []float64) string {
	if len(s) == 0 {
		return "—"
	}
	lo, hi := minMax(s)
	if len(s) == 1 {
		return num(s[0])
	}
	return fmt.Sprintf("%s [%s–%s]", num(median(s)), num(lo), num(hi))
}

// ratio is v/raw as "0.87×", "—" if either is missing.
func ratio(v, raw float64) string {
	if math.IsNaN(v) || math.IsNaN(raw) || raw == 0 {
		return "—"
	}
	r := v / raw
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}
