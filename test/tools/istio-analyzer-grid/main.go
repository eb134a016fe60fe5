// Command istio-analyzer-grid prints the test table of Istio's analyzers_test.go (testGrid) as JSON, read with
// go/ast so the table is never copied: meshferry's analyzer-grid lab test runs it on the file in the Go module cache.
//
// Usage: go run . <path to pkg/config/analysis/analyzers/analyzers_test.go>
//
// Every field of every row is read; a field or expression it does not understand is an error (exit 1), so a
// change in Istio's table fails the test instead of dropping rows silently.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"strconv"
)

type message struct {
	Message string `json:"message"`
	Origin  string `json:"origin"`
}

type row struct {
	Name             string    `json:"name"`
	InputFiles       []string  `json:"inputFiles"`
	MeshConfigFile   string    `json:"meshConfigFile,omitempty"`
	MeshNetworksFile string    `json:"meshNetworksFile,omitempty"`
	Analyzer         string    `json:"analyzer"`
	Expected         []message `json:"expected"`
	SkipAll          bool      `json:"skipAll,omitempty"`
}

var fset = token.NewFileSet()

func fail(n ast.Node, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "istio-analyzer-grid: %s: %s\n", fset.Position(n.Pos()), fmt.Sprintf(format, args...))
	os.Exit(1)
}

func str(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		fail(e, "expected a string literal")
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		fail(e, "bad string literal: %v", err)
	}
	return s
}

func strs(e ast.Expr) []string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		fail(e, "expected a []string literal")
	}
	out := []string{}
	for _, el := range lit.Elts {
		out = append(out, str(el))
	}
	return out
}

func source(e ast.Expr) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, e); err != nil {
		fail(e, "cannot print expression: %v", err)
	}
	return b.String()
}

func messages(e ast.Expr) []message {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		fail(e, "expected a []message literal")
	}
	out := []message{}
	for _, el := range lit.Elts {
		m, ok := el.(*ast.CompositeLit)
		if !ok || len(m.Elts) != 2 {
			fail(el, "expected {msg.Type, \"origin\"}")
		}
		sel, ok := m.Elts[0].(*ast.SelectorExpr)
		if !ok {
			fail(m.Elts[0], "expected msg.<Type>")
		}
		out = append(out, message{Message: sel.Sel.Name, Origin: str(m.Elts[1])})
	}
	return out
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: istio-analyzer-grid <analyzers_test.go>")
		os.Exit(2)
	}
	file, err := parser.ParseFile(fset, os.Args[1], nil, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "istio-analyzer-grid: %v\n", err)
		os.Exit(1)
	}
	var grid *ast.CompositeLit
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if ok && len(spec.Names) == 1 && spec.Names[0].Name == "testGrid" && len(spec.Values) == 1 {
			grid, _ = spec.Values[0].(*ast.CompositeLit)
		}
		return grid == nil
	})
	if grid == nil {
		fmt.Fprintf(os.Stderr, "istio-analyzer-grid: no `var testGrid = []testCase{...}` in %s\n", os.Args[1])
		os.Exit(1)
	}
	rows := []row{}
	for _, el := range grid.Elts {
		tc, ok := el.(*ast.CompositeLit)
		if !ok {
			fail(el, "expected a testCase literal")
		}
		r := row{InputFiles: []string{}, Expected: []message{}}
		for _, f := range tc.Elts {
			kv, ok := f.(*ast.KeyValueExpr)
			if !ok {
				fail(f, "expected key: value")
			}
			key := kv.Key.(*ast.Ident).Name
			switch key {
			case "name":
				r.Name = str(kv.Value)
			case "inputFiles":
				r.InputFiles = strs(kv.Value)
			case "meshConfigFile":
				r.MeshConfigFile = str(kv.Value)
			case "meshNetworksFile":
				r.MeshNetworksFile = str(kv.Value)
			case "analyzer":
				r.Analyzer = source(kv.Value)
			case "expected":
				r.Expected = messages(kv.Value)
			case "skipAll":
				id, ok := kv.Value.(*ast.Ident)
				if !ok || (id.Name != "true" && id.Name != "false") {
					fail(kv.Value, "expected true or false")
				}
				r.SkipAll = id.Name == "true"
			default:
				fail(kv, "unknown testCase field %s", key)
			}
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		fmt.Fprintf(os.Stderr, "istio-analyzer-grid: %v\n", err)
		os.Exit(1)
	}
}
