package settings

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a settings file: a real one is a few kilobytes, so anything larger is refused
// before it is read (a huge file would otherwise take minutes and gigabytes to decode).
const MaxFileSize = 5 << 20

var (
	yamlLineRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknownRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlTypeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// explainYAML rewrites the YAML decoder's errors in the settings' own words: the line, the key
// path as written in the file, and what kind of value the key takes (never a Go type name).
func explainYAML(doc []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return fmt.Errorf("not valid YAML: %s", msg)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(doc, &root)
	var lines []string
	for _, e := range te.Errors {
		m := yamlLineRE.FindStringSubmatch(e)
		if m == nil {
			lines = append(lines, e)
			continue
		}
		line, _ := strconv.Atoi(m[1])
		path := keyAtLine(&root, line)
		switch {
		case yamlUnknownRE.MatchString(m[2]):
			key := yamlUnknownRE.FindStringSubmatch(m[2])[1]
			where := "at the top level"
			if parent := parentPath(path); parent != "" {
				where = "under " + parent
			}
			lines = append(lines, fmt.Sprintf("line %d: unknown key %q %s: check its spelling (the sample settings file lists every key)", line, key, where))
		case yamlTypeRE.MatchString(m[2]):
			t := yamlTypeRE.FindStringSubmatch(m[2])
			lines = append(lines, fmt.Sprintf("line %d: %s must be %s, got %s %q", line, orTop(path), kindText(t[3]), yamlKindText(t[1]), t[2]))
		default:
			lines = append(lines, fmt.Sprintf("line %d: %s: %s", line, orTop(path), m[2]))
		}
	}
	return errors.New(strings.Join(lines, "; "))
}

func orTop(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

func parentPath(path string) string {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// keyAtLine returns the dotted key path (lists as [i]) of the key or value that starts on line.
func keyAtLine(n *yaml.Node, line int) string {
	var best string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line || (v.Line == line && v.Kind == yaml.ScalarNode) {
					best = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && c.Kind == yaml.ScalarNode {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(n, "")
	return best
}

// kindText names a Go target type as the kind of value a settings key takes.
func kindText(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping of keys to values"
	case goType == "string":
		return "text"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	default:
		return "a mapping of keys"
	}
}

// yamlKindText names a YAML tag as people read it.
func yamlKindText(tag string) string {
	switch tag {
	case "str":
		return "the text"
	case "int", "float":
		return "the number"
	case "bool":
		return "the boolean"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "nothing"
	default:
		return tag
	}
}
