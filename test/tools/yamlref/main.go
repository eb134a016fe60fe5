// yamlref reads YAML streams the way kubectl does and prints them as JSON: a reference reader for tests.
//
// kubectl splits a stream into documents with k8s.io/apimachinery/pkg/util/yaml's YAMLReader (a line that
// starts with "---" ends a document) and converts each document with sigs.k8s.io/yaml (YAML 1.1 rules, via
// go.yaml.in/yaml/v2). This program does the same, without the rest of apimachinery, so that tests can judge
// meshferry's reader and writer against kubectl's semantics.
//
// Usage: yamlref FILE... (or "-" for stdin). Prints one JSON object mapping each argument to
// {"docs": [...], "error": "...", "docErrors": [...]}: the documents read (empty ones left out, as kubectl
// does), and when a document cannot be read, "error" (kubectl would fail the whole file) and one
// {"doc": N, "error": "..."} per unreadable document (1-based, counting every document), so tests can say which.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

const separator = "---"

// splitDocuments follows YAMLReader.Read in k8s.io/apimachinery@v0.34.4/pkg/util/yaml/decoder.go: a line
// starting with "---" ends the current document; anything but spaces or a comment after it is an error.
func splitDocuments(data []byte) ([][]byte, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var docs [][]byte
	var buffer bytes.Buffer
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if bytes.Index(line, []byte(separator)) == 0 {
			trimmed := strings.TrimSpace(string(line[len(separator):]))
			if len(trimmed) > 0 && trimmed[0] != '#' {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", trimmed)
			}
			if buffer.Len() != 0 {
				docs = append(docs, append([]byte(nil), buffer.Bytes()...))
				buffer.Reset()
			}
			if err == io.EOF {
				return docs, nil
			}
			continue
		}
		buffer.Write(line)
		if err == io.EOF {
			if buffer.Len() != 0 {
				docs = append(docs, buffer.Bytes())
			}
			return docs, nil
		}
	}
}

type docError struct {
	Doc   int    `json:"doc"`
	Error string `json:"error"`
}

type result struct {
	Docs      []json.RawMessage `json:"docs"`
	Error     string            `json:"error,omitempty"`
	DocErrors []docError        `json:"docErrors,omitempty"`
}

func readOne(name string) result {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return result{Docs: []json.RawMessage{}, Error: err.Error()}
	}
	parts, err := splitDocuments(data)
	if err != nil {
		return result{Docs: []json.RawMessage{}, Error: err.Error()}
	}
	res := result{Docs: []json.RawMessage{}}
	for i, p := range parts {
		j, err := yaml.YAMLToJSON(p)
		if err != nil {
			res.DocErrors = append(res.DocErrors, docError{Doc: i + 1, Error: err.Error()})
			if res.Error == "" {
				res.Error = fmt.Sprintf("document %d: %v", i+1, err)
			}
			continue
		}
		if t := bytes.TrimSpace(j); len(t) == 0 || string(t) == "null" {
			continue
		}
		res.Docs = append(res.Docs, j)
	}
	return res
}

func main() {
	out := map[string]result{}
	for _, name := range os.Args[1:] {
		out[name] = readOne(name)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "yamlref:", err)
		os.Exit(1)
	}
}
